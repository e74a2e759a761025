/**
 * Every AWS client the deploy uses, made in one place with the same retry strategy and timeouts.
 * Endpoints come from the SDK's own configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, profiles).
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';

export interface AwsClients {
  sts: STSClient;
  ecr: ECRClient;
  lambda: LambdaClient;
  sfn: SFNClient;
  s3: S3Client;
}

export interface AwsClientOptions {
  /** Region; undefined = the SDK's default chain (AWS_REGION, profile). */
  region?: string;
  /** Attempts per call with the standard retry strategy (default 3). */
  maxAttempts?: number;
  /** Milliseconds to wait for a connection (default 10 s). */
  connectionTimeoutMs?: number;
  /** Milliseconds of socket inactivity before a request fails (default 60 s). */
  requestTimeoutMs?: number;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const config = {
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 60_000,
    },
  };
  return {
    sts: new STSClient(config),
    ecr: new ECRClient(config),
    lambda: new LambdaClient(config),
    sfn: new SFNClient(config),
    s3: new S3Client(config),
  };
}

export function destroyAwsClients(clients: AwsClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
