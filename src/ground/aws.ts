/**
 * Every AWS client the deploy uses, made in one place with the same retry strategy and timeouts.
 * Endpoints come from the SDK's own configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, profiles).
 */
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import type * as ContainerSteps from '../pipeline/container-steps.ts';
import { DEFAULT_MAX_ATTEMPTS } from './settings/deploy.ts';

let containerSteps: Promise<typeof ContainerSteps> | undefined;
let loadedContainerSteps: typeof ContainerSteps | undefined;

/**
 * Loads the container steps (image, Lambda, state machine) with their ECR, Lambda and Step Functions clients: a
 * third of the deploy code, which a run that only syncs scenarios never parses. Call it before using
 * `clients.ecr`, `clients.lambda`, `clients.sfn` or `clients.sfnAdvisory`.
 */
export function loadContainerSteps(): Promise<typeof ContainerSteps> {
  containerSteps ??= import('../pipeline/container-steps.ts').then((module) => (loadedContainerSteps = module));
  return containerSteps;
}

function containerClientClasses(): typeof ContainerSteps {
  if (!loadedContainerSteps) throw new Error('The ECR, Lambda and Step Functions clients are used before loadContainerSteps() resolved.');
  return loadedContainerSteps;
}

export interface AwsClients {
  sts: STSClient;
  ecr: ECRClient;
  lambda: LambdaClient;
  sfn: SFNClient;
  /**
   * Step Functions for advisory calls (ValidateStateMachineDefinition): at most 2 attempts. A check whose failure
   * only skips it must not hold the deploy through every retry of `max-attempts` (seconds of back-off).
   */
  sfnAdvisory: SFNClient;
  s3: S3Client;
}

/** Attempts of an advisory call (see AwsClients.sfnAdvisory). */
export const ADVISORY_MAX_ATTEMPTS = 2;

export interface AwsClientOptions {
  /** Region; undefined = the SDK's default chain (AWS_REGION, profile). */
  region?: string;
  /** Attempts per call with the standard retry strategy (default DEFAULT_MAX_ATTEMPTS, 8). */
  maxAttempts?: number;
  /** The SDK's retry mode (default 'standard'). */
  retryMode?: 'standard' | 'adaptive';
  /** Milliseconds to wait for a connection (default 10 s). */
  connectionTimeoutMs?: number;
  /**
   * Milliseconds of socket inactivity (nothing sent nor received) before an attempt fails with a TimeoutError,
   * which the retry strategy retries (default 60 s). Inactivity, not total time: a large part upload on a slow
   * link is not cut while its bytes flow.
   */
  socketTimeoutMs?: number;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const config = {
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: options.retryMode ?? 'standard',
    // The handler's `requestTimeout` only logs a warning unless `throwOnRequestTimeout` is set (node-http-handler 4):
    // the socket timeout is what ends an attempt whose answer never comes.
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 60_000,
    },
  };
  // Each client is made on first use: a sync-only run never builds the ECR, Lambda and Step Functions clients.
  const made = new Map<keyof AwsClients, AwsClients[keyof AwsClients]>();
  const lazily = <K extends keyof AwsClients>(name: K, make: () => AwsClients[K]) => ({
    enumerable: true,
    get: (): AwsClients[K] => {
      if (!made.has(name)) made.set(name, make());
      return made.get(name) as AwsClients[K];
    },
  });
  const clients = Object.defineProperties({} as AwsClients, {
    sts: lazily('sts', () => new STSClient(config)),
    ecr: lazily('ecr', () => new (containerClientClasses().ECRClient)(config)),
    lambda: lazily('lambda', () => new (containerClientClasses().LambdaClient)(config)),
    sfn: lazily('sfn', () => new (containerClientClasses().SFNClient)(config)),
    sfnAdvisory: lazily('sfnAdvisory', () => new (containerClientClasses().SFNClient)({ ...config, maxAttempts: Math.min(ADVISORY_MAX_ATTEMPTS, config.maxAttempts) })),
    s3: lazily('s3', () => new S3Client(config)),
  });
  createdClients.set(clients, made);
  return clients;
}

/** The clients made so far, per set: destroying a set never builds a client just to destroy it. */
const createdClients = new WeakMap<AwsClients, Map<keyof AwsClients, { destroy(): void }>>();

export function destroyAwsClients(clients: AwsClients): void {
  const made = createdClients.get(clients);
  for (const client of made ? made.values() : Object.values(clients)) client.destroy();
}
