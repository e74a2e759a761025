/**
 * The preflight checks of the container resources (ECR repository, Lambda function, state machine), loaded with
 * the container steps: a run that only syncs scenarios never parses the ECR, Lambda and Step Functions code.
 */
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { GetFunctionCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, paginateListStateMachines } from '@aws-sdk/client-sfn';
import type { AwsClients } from '../ground/aws.ts';
import { PLATFORMS, PreflightCheckError, digestOf, errorName, missing, type FunctionFacts, type Preflight, type StateMachineFacts } from './preflight.ts';

export async function describeRepository(clients: AwsClients, name: string, region: string): Promise<Preflight['repository']> {
  try {
    const output = await clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    const repository = output.repositories?.[0];
    if (!repository?.repositoryUri) throw missing('repository', name, region);
    return { name, uri: repository.repositoryUri, registryId: repository.registryId ?? '' };
  } catch (error) {
    if (errorName(error) === 'RepositoryNotFoundException') {
      throw missing('repository', name, region);
    }
    throw error;
  }
}

export async function describeFunction(clients: AwsClients, name: string, region: string): Promise<FunctionFacts> {
  let output;
  try {
    output = await clients.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      throw missing('function', name, region);
    }
    throw error;
  }
  const configuration: FunctionConfiguration = output.Configuration ?? {};
  if (configuration.PackageType !== 'Image') {
    throw new PreflightCheckError({
      resource: 'function',
      kind: 'unusable',
      message: `Lambda function ${name} is a ${configuration.PackageType ?? 'Zip'} package; the action deploys container images only.`,
      hint: 'Recreate the function with PackageType Image (the Quetzal template’s terraform does), or name another one.',
    });
  }
  const architecture = configuration.Architectures?.[0] ?? 'x86_64';
  const platform = PLATFORMS[architecture];
  if (!platform) {
    throw new PreflightCheckError({
      resource: 'function',
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

export async function describeStateMachine(clients: AwsClients, nameOrArn: string, region: string): Promise<StateMachineFacts> {
  let arn = nameOrArn;
  if (!nameOrArn.startsWith('arn:')) {
    const found: string[] = [];
    for await (const page of paginateListStateMachines({ client: clients.sfn }, {})) {
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
      throw missing('stateMachine', nameOrArn, region);
    }
    throw error;
  }
}
