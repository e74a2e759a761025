/**
 * Preflight: read-only checks that every AWS resource the selected steps touch exists and answers,
 * gathering what the steps need (account, repository URI, the function's architecture and current image,
 * the state machine's role, logging and definition). Every problem is collected and reported at once.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, paginateListStateMachines } from '@aws-sdk/client-sfn';
import type { DescribeStateMachineCommandOutput } from '@aws-sdk/client-sfn';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { Logger } from '../core/logger.ts';
import type { AwsClients } from './aws.ts';
import { DeployError } from './step.ts';
import type { StepName } from './step.ts';

/** The AWS resources of one model (created beforehand, e.g. by terraform; the action never creates them). */
export interface DeployTarget {
  /** The model folder's name (QUETZAL_MODEL_NAME, ${ModelName}). */
  modelName: string;
  /** Absolute path of the model folder. */
  modelDir: string;
  repositoryName: string;
  functionName: string;
  /** State machine name or ARN. */
  stateMachine: string;
  bucketName: string;
}

export interface FunctionFacts {
  name: string;
  arn: string;
  /** 'x86_64' or 'arm64'. */
  architecture: string;
  /** Docker platform matching the architecture, e.g. linux/amd64. */
  platform: string;
  /** The image the function runs now, as configured (tag or digest form). */
  imageUri: string;
  /** The digest the function runs now, when known. */
  imageDigest?: string;
  environment: Record<string, string>;
}

export interface StateMachineFacts {
  arn: string;
  name: string;
  roleArn: string;
  definition: string;
  loggingConfiguration?: DescribeStateMachineCommandOutput['loggingConfiguration'];
  tracingConfiguration?: DescribeStateMachineCommandOutput['tracingConfiguration'];
  revisionId?: string;
}

export interface Preflight {
  accountId: string;
  region: string;
  /** Present when a selected step needs it. */
  repository?: { name: string; uri: string; registryId: string };
  function?: FunctionFacts;
  stateMachine?: StateMachineFacts;
  bucket?: { name: string };
}

/** Which resources each step needs checked (the state machine needs the function's ARN and the bucket name). */
const NEEDS: Record<StepName, Array<'repository' | 'function' | 'stateMachine' | 'bucket'>> = {
  image: ['repository', 'function'],
  lambda: ['repository', 'function'],
  'state-machine': ['function', 'stateMachine', 'bucket'],
  scenarios: ['bucket'],
};

const PLATFORMS: Record<string, string> = { x86_64: 'linux/amd64', arm64: 'linux/arm64' };

export async function runPreflight(
  clients: AwsClients,
  target: DeployTarget,
  steps: readonly StepName[],
  logger: Logger,
  /** Resources to check whatever the steps: a deploy always needs the bucket, where its lock lives. */
  alsoNeeds: ReadonlyArray<'bucket'> = [],
): Promise<Preflight> {
  const needs = new Set([...steps.flatMap((step) => NEEDS[step]), ...alsoNeeds]);
  const region = await clients.sts.config.region();
  if (!region) {
    throw new DeployError('No AWS region is set.', 'Set AWS_REGION (aws-actions/configure-aws-credentials does).');
  }
  let accountId: string;
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    accountId = identity.Account ?? '';
    logger.info(`AWS account ${accountId}, region ${region}, as ${identity.Arn ?? 'unknown'}`);
  } catch (error) {
    throw new DeployError(
      `AWS credentials do not work in ${region}: ${describeError(error)}`,
      'Configure credentials before this step (e.g. aws-actions/configure-aws-credentials).',
      { cause: error },
    );
  }

  const preflight: Preflight = { accountId, region };
  const problems: string[] = [];
  const check = async (what: string, task: () => Promise<void>): Promise<void> => {
    try {
      await task();
    } catch (error) {
      problems.push(error instanceof DeployError ? error.message : `${what}: ${describeError(error)}`);
    }
  };

  await Promise.all([
    needs.has('repository') &&
      check(`ECR repository ${target.repositoryName}`, async () => {
        preflight.repository = await describeRepository(clients, target.repositoryName, region);
      }),
    needs.has('function') &&
      check(`Lambda function ${target.functionName}`, async () => {
        preflight.function = await describeFunction(clients, target.functionName, region);
      }),
    needs.has('stateMachine') &&
      check(`State machine ${target.stateMachine}`, async () => {
        preflight.stateMachine = await describeStateMachine(clients, target.stateMachine, region);
      }),
    needs.has('bucket') &&
      check(`S3 bucket ${target.bucketName}`, async () => {
        try {
          await clients.s3.send(new HeadBucketCommand({ Bucket: target.bucketName }));
        } catch (error) {
          if (httpStatus(error) === 404) {
            throw new DeployError(`S3 bucket ${target.bucketName} does not exist.`);
          }
          if (httpStatus(error) === 403) {
            throw new DeployError(`S3 bucket ${target.bucketName}: access denied (HeadBucket returned 403).`);
          }
          throw error;
        }
        preflight.bucket = { name: target.bucketName };
      }),
  ]);

  if (problems.length > 0) {
    throw new DeployError(
      `Preflight failed, nothing was changed:\n- ${problems.join('\n- ')}`,
      'Create the missing resources (e.g. with terraform) or fix the names in the model’s .env, and check the role’s permissions.',
    );
  }
  return preflight;
}

async function describeRepository(clients: AwsClients, name: string, region: string): Promise<Preflight['repository']> {
  try {
    const output = await clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    const repository = output.repositories?.[0];
    if (!repository?.repositoryUri) throw new DeployError(`ECR repository ${name} was not found in ${region}.`);
    return { name, uri: repository.repositoryUri, registryId: repository.registryId ?? '' };
  } catch (error) {
    if (errorName(error) === 'RepositoryNotFoundException') {
      throw new DeployError(`ECR repository ${name} does not exist in ${region}.`);
    }
    throw error;
  }
}

async function describeFunction(clients: AwsClients, name: string, region: string): Promise<FunctionFacts> {
  let output;
  try {
    output = await clients.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      throw new DeployError(`Lambda function ${name} does not exist in ${region}.`);
    }
    throw error;
  }
  const configuration: FunctionConfiguration = output.Configuration ?? {};
  if (configuration.PackageType !== 'Image') {
    throw new DeployError(
      `Lambda function ${name} is a ${configuration.PackageType ?? 'Zip'} package; the action deploys container images only.`,
    );
  }
  const architecture = configuration.Architectures?.[0] ?? 'x86_64';
  const platform = PLATFORMS[architecture];
  if (!platform) throw new DeployError(`Lambda function ${name} has an unknown architecture ${architecture}.`);
  const imageUri = output.Code?.ImageUri ?? '';
  return {
    name,
    arn: configuration.FunctionArn ?? '',
    architecture,
    platform,
    imageUri,
    imageDigest: digestOf(imageUri) ?? digestOf(output.Code?.ResolvedImageUri ?? ''),
    environment: { ...(configuration.Environment?.Variables ?? {}) },
  };
}

async function describeStateMachine(clients: AwsClients, nameOrArn: string, region: string): Promise<StateMachineFacts> {
  let arn = nameOrArn;
  if (!nameOrArn.startsWith('arn:')) {
    const found: string[] = [];
    for await (const page of paginateListStateMachines({ client: clients.sfn }, {})) {
      for (const machine of page.stateMachines ?? []) {
        if (machine.name === nameOrArn && machine.stateMachineArn) found.push(machine.stateMachineArn);
      }
    }
    if (found.length === 0) {
      throw new DeployError(`State machine ${nameOrArn} does not exist in ${region}.`);
    }
    arn = found[0];
  }
  try {
    const output = await clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    return {
      arn: output.stateMachineArn ?? arn,
      name: output.name ?? nameOrArn,
      roleArn: output.roleArn ?? '',
      definition: output.definition ?? '',
      loggingConfiguration: output.loggingConfiguration,
      tracingConfiguration: output.tracingConfiguration,
      revisionId: output.revisionId,
    };
  } catch (error) {
    if (errorName(error) === 'StateMachineDoesNotExist' || errorName(error) === 'InvalidArn') {
      throw new DeployError(`State machine ${nameOrArn} does not exist (${errorName(error)}).`);
    }
    throw error;
  }
}

/** `sha256:…` from `repo@sha256:…`, or undefined. */
export function digestOf(imageUri: string): string | undefined {
  const match = /@(sha256:[0-9a-f]{64})$/.exec(imageUri);
  return match?.[1];
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** One line for an AWS or system error: its name, message and HTTP status when there is one. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = httpStatus(error);
  const message = error.message && error.message !== 'UnknownError' ? error.message : 'no message';
  return `${error.name}${status ? ` (HTTP ${status})` : ''}: ${message}`;
}
