import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { DeployError } from '../../../src/ground/step.ts';
import { NEW_DIGEST, OLD_DIGEST, REPOSITORY_URI, makeLambdaStep as makeStep } from '../pipeline/helpers.ts';

const lambdaMock = mockClient(LambdaClient);
afterEach(() => lambdaMock.reset());

const NEW_IMAGE = `${REPOSITORY_URI}@${NEW_DIGEST}`;
const status = (LastUpdateStatus: 'InProgress' | 'Successful' | 'Failed', extra: object = {}) => ({
  Configuration: { FunctionName: 'quetzal-paris', LastUpdateStatus, ...extra },
});
const environment = { Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'old' } } };

test('plan: a new digest and a new IMAGE_TAG are changes; the same digest is not', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(environment);
  const { step } = makeStep();
  const changed = await step.plan(NEW_IMAGE);
  assert.equal(changed.codeChanges, true);
  assert.equal(changed.environmentChanges, true);
  const same = await step.plan(`${REPOSITORY_URI}@${OLD_DIGEST}`);
  assert.equal(same.codeChanges, false);
  const unknown = await step.plan(undefined);
  assert.equal(unknown.codeChanges, undefined);
  assert.equal(step.reportPlan(unknown).status, 'would update');
  assert.deepEqual(
    lambdaMock.calls().map((call) => call.args[0].constructor.name),
    ['GetFunctionConfigurationCommand', 'GetFunctionConfigurationCommand', 'GetFunctionConfigurationCommand'],
    'plan only reads the configuration',
  );
});

test('plan: IMAGE_TAG is compared with the configuration read now, not the preflight', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { IMAGE_TAG: 'abc123' } } });
  const { step } = makeStep();
  assert.equal((await step.plan(`${REPOSITORY_URI}@${OLD_DIGEST}`)).environmentChanges, false);
});

const kmsError = {
  Environment: { Error: { ErrorCode: 'KMSAccessDeniedException', Message: 'Lambda was unable to decrypt the environment variables because KMS access was denied.' } },
  RevisionId: 'rev-1',
};

test('an environment Lambda cannot read (Environment.Error): the plan refuses, naming the function and the error; nothing is written', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(kmsError);
  const { step } = makeStep();
  await assert.rejects(step.plan(NEW_IMAGE), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.equal(
      error.message,
      'Lambda function quetzal-paris reports an error on its environment variables (KMSAccessDeniedException: Lambda was unable to decrypt the environment variables because KMS access was denied.): Lambda cannot read them, and setting IMAGE_TAG would replace them all; nothing was changed.',
    );
    assert.match(error.hint ?? '', /KMS key .*kms:Decrypt.*re-run the job/);
    return true;
  });
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length + lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 0);
});

test('Environment.Error appearing between the plan and the apply: refused before the code update, no Update* sent', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolvesOnce(environment).resolves(kmsError);
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  const { step } = makeStep();
  const plan = await step.plan(NEW_IMAGE);
  await assert.rejects(step.apply(plan), /quetzal-paris reports an error on its environment variables \(KMSAccessDeniedException: .*\): .*; nothing was changed\.$/);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 0);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 0);
});

test('Environment.Error after the code update: IMAGE_TAG is not written, and the error says the function runs the new image', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolvesOnce(environment).resolvesOnce(environment).resolves({ Environment: { Error: { ErrorCode: 'KMSDisabledException' } } });
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  const { step } = makeStep();
  await assert.rejects(step.apply(await step.plan(NEW_IMAGE)), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.match(error.message, /\(KMSDisabledException\): .*; quetzal-paris now runs \S+@sha256:b+ but IMAGE_TAG was not set\.$/);
    return true;
  });
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 1);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 0);
});

test('each Update* carries the RevisionId read just before it', async () => {
  lambdaMock
    .on(GetFunctionConfigurationCommand)
    .resolvesOnce({ ...environment, RevisionId: 'rev-plan' })
    .resolvesOnce({ ...environment, RevisionId: 'rev-before-code' })
    .resolves({ Environment: { Variables: { ...environment.Environment.Variables, ADDED: 'meanwhile' } }, RevisionId: 'rev-after-code' });
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  const { step } = makeStep();
  const outcome = await step.apply(await step.plan(NEW_IMAGE));
  assert.equal(outcome.environmentUpdated, true);
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionCodeCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', ImageUri: NEW_IMAGE, RevisionId: 'rev-before-code' });
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'abc123', ADDED: 'meanwhile' } },
    RevisionId: 'rev-after-code',
  });
});

test('a change made between the read and the write (PreconditionFailedException) is reported, not retried, not overwritten', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ ...environment, RevisionId: 'rev-7' });
  lambdaMock
    .on(UpdateFunctionConfigurationCommand)
    .rejects(new PreconditionFailedException({ message: 'The Revision Id provided does not match the latest Revision Id.', $metadata: { httpStatusCode: 412 } }));
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  const { step } = makeStep();
  await assert.rejects(step.apply(await step.plan(`${REPOSITORY_URI}@${OLD_DIGEST}`)), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.equal(
      error.message,
      'Lambda UpdateFunctionConfiguration on quetzal-paris was refused: the function changed after this run read it (revision rev-7), so this write was not made and the other change was kept; nothing was changed (PreconditionFailedException (HTTP 412): The Revision Id provided does not match the latest Revision Id.).',
    );
    assert.match(error.hint ?? '', /updated the function meanwhile.*re-run the job/);
    return true;
  });
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 1, 'not retried');
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)[0].args[0].input.RevisionId, 'rev-7');
});

test('PreconditionFailedException on the code update: reported with the revision, nothing else written', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ ...environment, RevisionId: 'rev-3' });
  lambdaMock.on(UpdateFunctionCodeCommand).rejects(new PreconditionFailedException({ message: 'revision mismatch', $metadata: { httpStatusCode: 412 } }));
  const { step } = makeStep();
  await assert.rejects(step.apply(await step.plan(NEW_IMAGE)), /^DeployError: Lambda UpdateFunctionCode on quetzal-paris was refused: the function changed after this run read it \(revision rev-3\).*; nothing was changed/);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 1);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 0);
});

test('a retry after ResourceConflictException reads the function again and merges into what it finds', async () => {
  lambdaMock
    .on(GetFunctionConfigurationCommand)
    .resolvesOnce({ ...environment, RevisionId: 'rev-1' }) // plan
    .resolvesOnce({ ...environment, RevisionId: 'rev-1' }) // before the first try
    .resolves({ Environment: { Variables: { OTHER: 'changed by the other update' } }, RevisionId: 'rev-2' });
  lambdaMock
    .on(UpdateFunctionConfigurationCommand)
    .rejectsOnce(new ResourceConflictException({ message: 'in progress', $metadata: {} }))
    .resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  const { step } = makeStep();
  const outcome = await step.apply(await step.plan(`${REPOSITORY_URI}@${OLD_DIGEST}`));
  assert.equal(outcome.environmentUpdated, true);
  const calls = lambdaMock.commandCalls(UpdateFunctionConfigurationCommand);
  assert.equal(calls.length, 2);
  assert.equal(calls[0].args[0].input.RevisionId, 'rev-1');
  assert.deepEqual(calls[1].args[0].input, { FunctionName: 'quetzal-paris', Environment: { Variables: { OTHER: 'changed by the other update', IMAGE_TAG: 'abc123' } }, RevisionId: 'rev-2' });
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

test('rollback puts back the previous image, IMAGE_TAG and alias version, each write with the RevisionId read before it', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({
    Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'abc123' } },
    RevisionId: 'rev-now',
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
    RevisionId: 'rev-now',
  });
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'old' } },
    RevisionId: 'rev-now',
  });
  assert.deepEqual(lambdaMock.commandCalls(UpdateAliasCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', Name: 'live', FunctionVersion: '7' });
  assert.equal(done.length, 3);
});
