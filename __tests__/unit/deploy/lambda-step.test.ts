import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { DeployError } from '../../../src/deploy/step.ts';
import { NEW_DIGEST, OLD_DIGEST, REPOSITORY_URI, makeLambdaStep as makeStep } from './helpers.ts';

const lambdaMock = mockClient(LambdaClient);
afterEach(() => lambdaMock.reset());

const NEW_IMAGE = `${REPOSITORY_URI}@${NEW_DIGEST}`;
const status = (LastUpdateStatus: 'InProgress' | 'Successful' | 'Failed', extra: object = {}) => ({
  Configuration: { FunctionName: 'quetzal-paris', LastUpdateStatus, ...extra },
});
const environment = { Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'old' } } };

test('plan: a new digest and a new IMAGE_TAG are changes; the same digest is not', async () => {
  const { step } = makeStep();
  const changed = await step.plan(NEW_IMAGE);
  assert.equal(changed.codeChanges, true);
  assert.equal(changed.environmentChanges, true);
  const same = await step.plan(`${REPOSITORY_URI}@${OLD_DIGEST}`);
  assert.equal(same.codeChanges, false);
  const unknown = await step.plan(undefined);
  assert.equal(unknown.codeChanges, undefined);
  assert.equal(step.reportPlan(unknown).status, 'would update');
  assert.equal(lambdaMock.calls().length, 0, 'plan makes no AWS call at all');
});

test('waits while LastUpdateStatus is InProgress, then goes on when Successful', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock
    .on(GetFunctionCommand)
    .resolvesOnce(status('InProgress'))
    .resolvesOnce(status('InProgress'))
    .resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(environment);
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  const { step } = makeStep();
  const outcome = await step.apply(await step.plan(NEW_IMAGE));
  assert.equal(outcome.codeUpdated, true);
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionCodeCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    ImageUri: NEW_IMAGE,
  });
  // 3 polls after the code update (InProgress, InProgress, Successful) + 1 after the configuration update.
  assert.equal(lambdaMock.commandCalls(GetFunctionCommand).length, 4);
});

test('IMAGE_TAG is merged into the existing environment, every other variable kept', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(environment);
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  const { step } = makeStep();
  const outcome = await step.apply(await step.plan(NEW_IMAGE));
  assert.equal(outcome.environmentUpdated, true);
  const calls = lambdaMock.commandCalls(UpdateFunctionConfigurationCommand);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'abc123' } },
  });
});

test('nothing is written when the function already runs the digest with the same IMAGE_TAG', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({
    Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', IMAGE_TAG: 'abc123' } },
  });
  const { step } = makeStep();
  const outcome = await step.apply(await step.plan(`${REPOSITORY_URI}@${OLD_DIGEST}`));
  assert.equal(outcome.codeUpdated, false);
  assert.equal(outcome.environmentUpdated, false);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 0);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 0);
});

test('ResourceConflictException (an update in progress) is waited out and the call retried', async () => {
  lambdaMock
    .on(UpdateFunctionCodeCommand)
    .rejectsOnce(new ResourceConflictException({ message: 'The operation cannot be performed at this time. An update is in progress', $metadata: {} }))
    .resolves({});
  lambdaMock.on(GetFunctionCommand).resolvesOnce(status('InProgress')).resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(environment);
  lambdaMock
    .on(UpdateFunctionConfigurationCommand)
    .rejectsOnce(new ResourceConflictException({ message: 'in progress', $metadata: {} }))
    .resolves({});
  const { step, logger } = makeStep();
  const outcome = await step.apply(await step.plan(NEW_IMAGE));
  assert.equal(outcome.codeUpdated, true);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 2);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 2);
  assert.ok(logger.infos.some((line) => /UpdateFunctionCode: another update of quetzal-paris is in progress/.test(line)));
});

test('an update still InProgress after wait-timeout-minutes fails with a clear message', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('InProgress'));
  const { step } = makeStep({ waitTimeoutMinutes: 0.003 });
  await assert.rejects(step.apply(await step.plan(NEW_IMAGE)), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.match(error.message, /quetzal-paris was still updating \(LastUpdateStatus InProgress\) after 0\.003 minute/);
    assert.match(error.hint ?? '', /wait-timeout-minutes/);
    return true;
  });
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 0, 'no further write after a timeout');
});

test('a failed update reports LastUpdateStatusReason', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(
    status('Failed', {
      LastUpdateStatusReason: 'The image manifest or layer media type for the source image is not supported.',
      LastUpdateStatusReasonCode: 'ImageAccessDenied',
    }),
  );
  const { step } = makeStep();
  await assert.rejects(
    step.apply(await step.plan(NEW_IMAGE)),
    /update of Lambda function quetzal-paris failed: The image manifest or layer media type for the source image is not supported\. \(ImageAccessDenied\)/,
  );
});

test('other errors are not retried and name the call', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
  const { step } = makeStep();
  await assert.rejects(step.apply(await step.plan(NEW_IMAGE)), /Lambda UpdateFunctionCode on quetzal-paris failed: ResourceNotFoundException: Function not found/);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 1);
});

test('publish: a version with a description, the alias created when missing or moved when present', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ ...environment, State: 'Active' });
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  lambdaMock.on(PublishVersionCommand).resolves({ Version: '7' });
  lambdaMock.on(GetAliasCommand).rejectsOnce(new ResourceNotFoundException({ message: 'no alias', $metadata: {} })).resolves({ FunctionVersion: '7' });
  lambdaMock.on(CreateAliasCommand).resolves({ AliasArn: 'arn:aws:lambda:eu-west-3:123456789012:function:quetzal-paris:live' });
  lambdaMock.on(UpdateAliasCommand).resolves({ AliasArn: 'arn:aws:lambda:eu-west-3:123456789012:function:quetzal-paris:live' });

  const { step } = makeStep({ publish: true, alias: 'live', imageTag: 'v1.0.0' });
  const first = await step.apply(await step.plan(NEW_IMAGE));
  assert.equal(first.version, '7');
  assert.deepEqual(lambdaMock.commandCalls(PublishVersionCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    Description: 'v1.0.0 (commit abc123def456)',
  });
  assert.deepEqual(lambdaMock.commandCalls(CreateAliasCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', Name: 'live', FunctionVersion: '7' });
  assert.equal(step.reportOutcome(first).outputs['lambda-version'], '7');

  lambdaMock.on(PublishVersionCommand).resolves({ Version: '8' });
  const second = await step.apply(await step.plan(NEW_IMAGE));
  assert.deepEqual(lambdaMock.commandCalls(UpdateAliasCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', Name: 'live', FunctionVersion: '8' });
  assert.equal(second.previous.aliasVersion, '7');
});

test('rollback puts back the previous image, IMAGE_TAG and alias version', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({
    Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'abc123' } },
  });
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  lambdaMock.on(UpdateAliasCommand).resolves({});
  const { step } = makeStep();
  const done = await step.rollback({
    functionName: 'quetzal-paris',
    imageUri: NEW_IMAGE,
    codeUpdated: true,
    environmentUpdated: true,
    version: '8',
    aliasArn: 'arn:aws:lambda:eu-west-3:123456789012:function:quetzal-paris:live',
    previous: { imageUri: `${REPOSITORY_URI}@${OLD_DIGEST}`, imageTag: 'old', aliasVersion: '7' },
  });
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionCodeCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    ImageUri: `${REPOSITORY_URI}@${OLD_DIGEST}`,
  });
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)[0].args[0].input.Environment, {
    Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'old' },
  });
  assert.deepEqual(lambdaMock.commandCalls(UpdateAliasCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', Name: 'live', FunctionVersion: '7' });
  assert.equal(done.length, 3);
});
