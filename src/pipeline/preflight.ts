/**
 * Preflight: read-only checks that every AWS resource the selected steps touch exists and answers,
 * gathering what the steps need (account, repository URI, the function's architecture and current image,
 * the state machine's role, logging and definition). Every problem is collected and reported at once.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { DescribeStateMachineCommandOutput } from '@aws-sdk/client-sfn';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { Logger } from '../ground/logger.ts';
import { loadContainerSteps, type AwsClients } from '../ground/aws.ts';
import { DeployError } from '../ground/step.ts';
import type { StepName } from '../ground/step.ts';

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

export const PLATFORMS: Record<string, string> = { x86_64: 'linux/amd64', arm64: 'linux/arm64' };

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
  // Who we are is asked alongside the resource checks (one round trip, not two). When the credentials do not
  // work, every check fails too: that one cause is the error reported.
  const identityCall = clients.sts.send(new GetCallerIdentityCommand({}));
  identityCall.catch(() => {}); // awaited below
  const preflight: Preflight = { accountId: '', region };
  const problems: PreflightProblem[] = [];
  const check = async (resource: Resource, name: string, task: () => Promise<void>): Promise<void> => {
    try {
      await task();
    } catch (error) {
      problems.push(toProblem(resource, name, region, error));
    }
  };

  // The container resources are checked with code loaded only by runs that deploy them.
  const container = needs.has('repository') || needs.has('function') || needs.has('stateMachine') ? await loadContainerSteps() : undefined;
  const checks = Promise.all([
    container &&
      needs.has('repository') &&
      check('repository', target.repositoryName, async () => {
        preflight.repository = await container.describeRepository(clients, target.repositoryName, region);
      }),
    container &&
      needs.has('function') &&
      check('function', target.functionName, async () => {
        preflight.function = await container.describeFunction(clients, target.functionName, region);
      }),
    container &&
      needs.has('stateMachine') &&
      check('stateMachine', target.stateMachine, async () => {
        preflight.stateMachine = await container.describeStateMachine(clients, target.stateMachine, region);
      }),
    needs.has('bucket') &&
      check('bucket', target.bucketName, async () => {
        await headBucket(clients, target.bucketName, region);
        preflight.bucket = { name: target.bucketName };
      }),
  ]);
  try {
    const identity = await identityCall;
    preflight.accountId = identity.Account ?? '';
    logger.info(`AWS account ${preflight.accountId}, region ${region}, as ${identity.Arn ?? 'unknown'}`);
  } catch (error) {
    await checks; // they fail alike; let none of them go on retrying in the background
    throw new DeployError(
      `AWS credentials do not work in ${region}: ${describeError(error)}`,
      'Configure credentials before this step (e.g. aws-actions/configure-aws-credentials).',
      { cause: error },
    );
  }
  await checks;

  if (problems.length > 0) {
    const { message, hint } = describeProblems(problems, region, needs.size);
    throw new DeployError(message, hint);
  }
  return preflight;
}

export type Resource = 'repository' | 'function' | 'stateMachine' | 'bucket';

/** One thing the preflight found wrong, with what to do about it. */
export interface PreflightProblem {
  resource: Resource;
  /** 'missing': not found in the region; 'denied': the role may not read it; 'error': AWS did not answer well. */
  kind: 'missing' | 'denied' | 'error' | 'unusable';
  message: string;
  hint?: string;
}

/** Where each resource's name comes from, for the hints. */
const NAME_SOURCES: Record<Resource, string> = {
  repository: 'AWS_ECR_REPO_NAME in the model’s .env or input `ecr-repository`',
  function: 'AWS_LAMBDA_FUNCTION_NAME in the model’s .env or input `lambda-function`',
  stateMachine: 'input `state-machine` (default: the Lambda function’s name)',
  bucket: 'AWS_BUCKET_NAME in the model’s .env or input `bucket`',
};

/** The IAM action each check needs. */
const READ_ACTIONS: Record<Resource, string> = {
  repository: 'ecr:DescribeRepositories',
  function: 'lambda:GetFunction',
  stateMachine: 'states:ListStateMachines and states:DescribeStateMachine',
  bucket: 's3:ListBucket',
};

function toProblem(resource: Resource, name: string, region: string, error: unknown): PreflightProblem {
  if (error instanceof PreflightCheckError) return error.problem;
  const what = `${RESOURCE_LABELS[resource]} ${name}`;
  if (isAccessDenied(error)) {
    return {
      resource,
      kind: 'denied',
      message: `${what}: access denied (${describeError(error)}).`,
      hint: `Allow ${READ_ACTIONS[resource]} on it to the deploy role.`,
    };
  }
  return {
    resource,
    kind: 'error',
    message: `${what}: ${describeError(error)} (in ${region}).`,
    hint: 'AWS did not answer the check after every retry: re-run the job (raise input `max-attempts` if AWS throttles).',
  };
}

const RESOURCE_LABELS: Record<Resource, string> = {
  repository: 'ECR repository',
  function: 'Lambda function',
  stateMachine: 'State machine',
  bucket: 'S3 bucket',
};

/** A check that found its resource wrong in a known way. */
export class PreflightCheckError extends DeployError {
  readonly problem: PreflightProblem;
  constructor(problem: PreflightProblem) {
    super(problem.message, problem.hint);
    this.name = 'PreflightCheckError';
    this.problem = problem;
  }
}

export function missing(resource: Resource, name: string, region: string): PreflightCheckError {
  return new PreflightCheckError({
    resource,
    kind: 'missing',
    message: `${RESOURCE_LABELS[resource]} ${name} does not exist in ${region}.`,
    hint: `Create it (e.g. with terraform) or fix the name: ${NAME_SOURCES[resource]}.`,
  });
}

/**
 * One line: "Preflight failed, nothing was changed: <problem>; <problem>." and the hints, deduplicated. When every
 * resource checked is missing, the region is the likely culprit and the hint says so first.
 */
export function describeProblems(problems: readonly PreflightProblem[], region: string, checked: number): { message: string; hint: string } {
  const message = `Preflight failed, nothing was changed: ${problems.map((problem) => problem.message.replace(/\.$/, '')).join('; ')}.`;
  const hints: string[] = [];
  const allMissing = problems.length === checked && checked > 1 && problems.every((problem) => problem.kind === 'missing');
  if (allMissing) {
    hints.push(`None of the model’s resources exists in ${region}: is that the right region? Set input \`aws-region\` (or AWS_REGION).`);
  }
  for (const problem of problems) if (problem.hint && !hints.includes(problem.hint)) hints.push(problem.hint);
  if (!allMissing && problems.some((problem) => problem.kind === 'missing')) {
    hints.push(`(Region: ${region}; input \`aws-region\` or AWS_REGION.)`);
  }
  return { message, hint: hints.join(' ') };
}

async function headBucket(clients: AwsClients, bucket: string, region: string): Promise<void> {
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404 || errorName(error) === 'NotFound' || errorName(error) === 'NoSuchBucket') {
      throw new PreflightCheckError({
        resource: 'bucket',
        kind: 'missing',
        message: `S3 bucket ${bucket} does not exist.`,
        hint: `Create it (e.g. with terraform) or fix the name: ${NAME_SOURCES.bucket}.`,
      });
    }
    if (status === 301 || status === 400) {
      // S3 answers a HeadBucket sent to the wrong region with a redirect (or 400) naming the bucket's region.
      const actual = headerOf(error, 'x-amz-bucket-region');
      if (actual !== undefined && actual !== region) {
        throw new PreflightCheckError({
          resource: 'bucket',
          kind: 'unusable',
          message: `S3 bucket ${bucket} is in ${actual}, not in ${region}.`,
          hint: `Deploy to the model’s region: set input \`aws-region\` (or AWS_REGION) to ${actual}.`,
        });
      }
    }
    if (status === 403) {
      throw new PreflightCheckError({
        resource: 'bucket',
        kind: 'denied',
        message: `S3 bucket ${bucket}: access denied (HeadBucket returned 403).`,
        hint: `Allow ${READ_ACTIONS.bucket} on it to the deploy role.`,
      });
    }
    throw error;
  }
}

function isAccessDenied(error: unknown): boolean {
  const name = errorName(error);
  return httpStatus(error) === 403 || name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedOperation';
}

/** A response header of an AWS error, when the SDK kept the raw response. */
function headerOf(error: unknown, header: string): string | undefined {
  const headers = (error as { $response?: { headers?: Record<string, string> } } | undefined)?.$response?.headers ?? {};
  const found = Object.entries(headers).find(([name]) => name.toLowerCase() === header);
  return found?.[1];
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
