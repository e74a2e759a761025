/**
 * Preflight: read-only checks that every AWS resource the selected steps touch exists and answers,
 * gathering what the steps need (account, repository URI, the function's architecture and current image,
 * the state machine's role, logging and definition). Every problem is collected and reported at once.
 */
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeClustersCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetFunctionCommand, LambdaClient, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand, SFNClient, paginateListStateMachines } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsClients } from '../ground/aws.ts';
import { describeError, errorName, httpStatus, isAccessDenied, responseHeader } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import type { Logger } from '../ground/logger.ts';
import { RESOURCE_LABELS } from '../ground/names.ts';
import { digestOf, type DeployTarget, type FunctionFacts, type Preflight, type RepositoryFacts, type Resource, type StateMachineFacts, type TaskDefinitionFacts } from '../ground/resources.ts';

export const PLATFORMS: Record<string, string> = { x86_64: 'linux/amd64', arm64: 'linux/arm64' };

/** Checks that each resource in `needs` exists and answers, and who the caller is; every problem is reported at once. */
export async function runPreflight(aws: AwsClients, target: DeployTarget, needs: ReadonlySet<Resource>, logger: Logger): Promise<Preflight> {
  const sts = aws.client(STSClient);
  const region = await sts.config.region();
  if (!region) {
    throw new DeployError('No AWS region is set.', 'Set AWS_REGION (aws-actions/configure-aws-credentials does).');
  }
  // Who we are is asked alongside the resource checks (one round trip, not two). When the credentials do not
  // work, every check fails too: that one cause is the error reported.
  const identityCall = sts.send(new GetCallerIdentityCommand({}));
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

  const checks = Promise.all([
    needs.has('ecrRepository') &&
      check('ecrRepository', target.repositoryName, async () => {
        preflight.repository = await describeRepository(aws, target.repositoryName, region);
      }),
    needs.has('lambdaFunction') &&
      check('lambdaFunction', target.functionName, async () => {
        preflight.function = await describeFunction(aws, target.functionName, region);
      }),
    needs.has('stateMachine') &&
      check('stateMachine', target.stateMachine, async () => {
        preflight.stateMachine = await describeStateMachine(aws, target.stateMachine, region);
      }),
    needs.has('bucket') &&
      check('bucket', target.bucketName, async () => {
        await headBucket(aws, target.bucketName, region);
        preflight.bucket = { name: target.bucketName };
      }),
    needs.has('ecsTaskDefinition') &&
      check('ecsTaskDefinition', target.taskFamily ?? '', async () => {
        preflight.taskDefinition = await describeTaskFamily(aws, target.taskFamily ?? '', region);
      }),
    needs.has('ecsCluster') &&
      check('ecsCluster', target.cluster ?? '', async () => {
        preflight.cluster = await describeCluster(aws, target.cluster ?? '', region);
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

/** One thing the preflight found wrong, with what to do about it. */
export interface PreflightProblem {
  resource: Resource;
  /** 'missing': not found in the region; 'denied': the role may not read it; 'error': AWS did not answer well. */
  kind: 'missing' | 'denied' | 'error' | 'unusable';
  message: string;
  hint?: string;
}

const LABELS: Record<Resource, string> = { ...RESOURCE_LABELS, ecsTaskDefinition: 'ECS task definition family', ecsCluster: 'ECS cluster' };

/** Where each resource's name comes from, for the hints. */
const NAME_SOURCES: Record<Resource, string> = {
  ecsTaskDefinition: 'AWS_ECS_TASK_DEFINITION in the model’s .env or input `ecs-task-definition` (default: the ECR repository’s name and -task)',
  ecsCluster: 'AWS_ECS_CLUSTER in the model’s .env or input `ecs-cluster` (default: the model’s name)',
  ecrRepository: 'AWS_ECR_REPO_NAME in the model’s .env or input `ecr-repository`',
  lambdaFunction: 'AWS_LAMBDA_FUNCTION_NAME in the model’s .env or input `lambda-function`',
  stateMachine: 'input `state-machine` (default: the Lambda function’s name)',
  bucket: 'AWS_BUCKET_NAME in the model’s .env or input `bucket`',
};

/** The IAM action each check needs. */
const READ_ACTIONS: Record<Resource, string> = {
  ecsTaskDefinition: 'ecs:DescribeTaskDefinition',
  ecsCluster: 'ecs:DescribeClusters',
  ecrRepository: 'ecr:DescribeRepositories',
  lambdaFunction: 'lambda:GetFunction',
  stateMachine: 'states:ListStateMachines and states:DescribeStateMachine',
  bucket: 's3:ListBucket',
};

function toProblem(resource: Resource, name: string, region: string, error: unknown): PreflightProblem {
  if (error instanceof PreflightCheckError) return error.problem;
  const what = `${LABELS[resource]} ${name}`;
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
    message: `${LABELS[resource]} ${name} does not exist in ${region}.`,
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

async function headBucket(aws: AwsClients, bucket: string, region: string): Promise<void> {
  try {
    await aws.client(S3Client).send(new HeadBucketCommand({ Bucket: bucket }));
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
      const actual = responseHeader(error, 'x-amz-bucket-region');
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


async function describeRepository(aws: AwsClients, name: string, region: string): Promise<RepositoryFacts> {
  try {
    const output = await aws.client(ECRClient).send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    const repository = output.repositories?.[0];
    if (!repository?.repositoryUri) throw missing('ecrRepository', name, region);
    return { name, uri: repository.repositoryUri, registryId: repository.registryId ?? '' };
  } catch (error) {
    if (errorName(error) === 'RepositoryNotFoundException') {
      throw missing('ecrRepository', name, region);
    }
    throw error;
  }
}

async function describeFunction(aws: AwsClients, name: string, region: string): Promise<FunctionFacts> {
  let output;
  try {
    output = await aws.client(LambdaClient).send(new GetFunctionCommand({ FunctionName: name }));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      throw missing('lambdaFunction', name, region);
    }
    throw error;
  }
  const configuration: FunctionConfiguration = output.Configuration ?? {};
  if (configuration.PackageType !== 'Image') {
    throw new PreflightCheckError({
      resource: 'lambdaFunction',
      kind: 'unusable',
      message: `Lambda function ${name} is a ${configuration.PackageType ?? 'Zip'} package; the action deploys container images only.`,
      hint: 'Recreate the function with PackageType Image (the Quetzal template’s terraform does), or name another one.',
    });
  }
  const architecture = configuration.Architectures?.[0] ?? 'x86_64';
  const platform = PLATFORMS[architecture];
  if (!platform) {
    throw new PreflightCheckError({
      resource: 'lambdaFunction',
      kind: 'unusable',
      message: `Lambda function ${name} has an unknown architecture ${architecture}.`,
      hint: 'Use x86_64 or arm64.',
    });
  }
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

async function describeStateMachine(aws: AwsClients, nameOrArn: string, region: string): Promise<StateMachineFacts> {
  let arn = nameOrArn;
  if (!nameOrArn.startsWith('arn:')) {
    const found: string[] = [];
    for await (const page of paginateListStateMachines({ client: aws.client(SFNClient) }, {})) {
      for (const machine of page.stateMachines ?? []) {
        if (machine.name === nameOrArn && machine.stateMachineArn) found.push(machine.stateMachineArn);
      }
    }
    if (found.length === 0) {
      throw missing('stateMachine', nameOrArn, region);
    }
    arn = found[0];
  }
  try {
    const output = await aws.client(SFNClient).send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    return {
      arn: output.stateMachineArn ?? arn,
      name: output.name ?? nameOrArn,
      roleArn: output.roleArn ?? '',
      definition: output.definition ?? '',
      revisionId: output.revisionId,
    };
  } catch (error) {
    if (errorName(error) === 'StateMachineDoesNotExist' || errorName(error) === 'InvalidArn') {
      throw missing('stateMachine', nameOrArn, region);
    }
    throw error;
  }
}

/** Fields DescribeTaskDefinition gives that RegisterTaskDefinition does not take (the backend's ECS script drops the same). */
const READ_ONLY_TASK_FIELDS = ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy', 'deregisteredAt'];

async function describeTaskFamily(aws: AwsClients, family: string, region: string): Promise<TaskDefinitionFacts> {
  let answer;
  try {
    answer = await aws.client(ECSClient).send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }));
  } catch (error) {
    // ECS answers a family it does not know with a ClientException ("Unable to describe task definition").
    if (errorName(error) === 'ClientException' && !isAccessDenied(error)) throw missing('ecsTaskDefinition', family, region);
    throw error;
  }
  const revision = answer.taskDefinition;
  if (!revision?.taskDefinitionArn || revision.status !== 'ACTIVE') throw missing('ecsTaskDefinition', family, region);
  const definition: Record<string, unknown> = { ...revision };
  for (const field of READ_ONLY_TASK_FIELDS) delete definition[field];
  const architecture = revision.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'arm64' : 'x86_64';
  return { family, arn: revision.taskDefinitionArn, revision: revision.revision ?? 0, definition, tags: answer.tags ?? [], platform: PLATFORMS[architecture] };
}

async function describeCluster(aws: AwsClients, name: string, region: string): Promise<{ name: string; arn: string }> {
  const answer = await aws.client(ECSClient).send(new DescribeClustersCommand({ clusters: [name] }));
  const cluster = answer.clusters?.find((candidate) => candidate.status === 'ACTIVE');
  if (!cluster?.clusterArn) throw missing('ecsCluster', name, region);
  return { name, arn: cluster.clusterArn };
}
