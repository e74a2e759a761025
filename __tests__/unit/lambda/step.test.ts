import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { DeployError } from '../../../src/ground/errors.ts';
import type { StepContext, StepName } from '../../../src/ground/step.ts';
import type { ImageOutcome, ImagePlan } from '../../../src/image/step.ts';
import { LambdaStep, type LambdaOutcome } from '../../../src/lambda/step.ts';
import { COMMIT, NEW_DIGEST, stepContext, testSettings } from '../../helpers/step-context.ts';
import { ALIAS_ARN, NEW_IMAGE, SAME_IMAGE, lambdaMock, status } from './helpers.ts';

/** The IMAGE_TAG a deploy sets by default: the commit SHA. */
const TAG = COMMIT;

/** The context of a Lambda step whose image step planned `imageUri` (undefined: an image still to build). */
function withImage(context: StepContext, imageUri: string | undefined): StepContext {
  return { ...context, plans: new Map<StepName, unknown>([['image', { imageUri } satisfies Partial<ImagePlan>]]) };
}

/**
 * A Lambda step polling fast, and its context: wait-timeout-minutes 1 unless `inputs` say otherwise; the image
 * step planned `imageUri` (null: an image still to build).
 */
function makeStep(inputs: Record<string, string> = {}, imageUri: string | null = NEW_IMAGE) {
  const step = new LambdaStep({ pollDelay: { min: 0.01, max: 0.02 } });
  const base = stepContext({ settings: testSettings({ 'wait-timeout-minutes': '1', 'pin-lambda-version': 'false', 'keep-lambda-versions': '0', ...inputs }) });
  return { step, context: withImage(base, imageUri ?? undefined), logger: base.logger };
}

/** Plans, then applies the plan, in one context. */
async function deploy({ step, context }: { step: LambdaStep; context: StepContext }): Promise<LambdaOutcome> {
  return step.apply(await step.plan(context), context);
}

const environment = { Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'old' } } };

test('plan: a new digest and a new IMAGE_TAG are changes; the same digest is not; an image to build is not known yet', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(environment);
  const { step, context } = makeStep();
  const changed = await step.plan(context);
  assert.equal(changed.imageUri, NEW_IMAGE, 'the image comes from the image step’s plan');
  assert.equal(changed.imageTag, TAG);
  assert.equal(changed.codeChanges, true);
  assert.equal(changed.environmentChanges, true);
  const same = await step.plan(withImage(context, SAME_IMAGE));
  assert.equal(same.codeChanges, false);
  const unknown = await step.plan(withImage(context, undefined));
  assert.equal(unknown.codeChanges, undefined);
  const report = step.report(unknown);
  assert.equal(report.status, 'would update');
  assert.deepEqual(report.details.find(([label]) => label === 'New image'), ['New image', `the image to be built (tag ${TAG})`]);
  assert.deepEqual(
    lambdaMock.calls().map((call) => call.args[0].constructor.name),
    ['GetFunctionConfigurationCommand', 'GetFunctionConfigurationCommand', 'GetFunctionConfigurationCommand'],
    'plan only reads the configuration',
  );
});

test('plan: IMAGE_TAG is compared with the configuration read now, not the preflight', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { IMAGE_TAG: TAG } } });
  const { step, context } = makeStep({}, SAME_IMAGE);
  const plan = await step.plan(context);
  assert.equal(plan.environmentChanges, false);
  assert.equal(step.report(plan).status, 'unchanged');
});

const kmsError = {
  Environment: { Error: { ErrorCode: 'KMSAccessDeniedException', Message: 'Lambda was unable to decrypt the environment variables because KMS access was denied.' } },
  RevisionId: 'rev-1',
};

test('an environment Lambda cannot read (Environment.Error): the plan refuses, naming the function and the error; nothing is written', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(kmsError);
  const { step, context } = makeStep();
  await assert.rejects(step.plan(context), (error: unknown) => {
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
  const { step, context } = makeStep();
  const plan = await step.plan(context);
  await assert.rejects(
    step.apply(plan, context),
    /quetzal-paris reports an error on its environment variables \(KMSAccessDeniedException: .*\): .*; nothing was changed\.$/,
  );
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 0);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 0);
});

test('Environment.Error after the code update: IMAGE_TAG is not written, and the error says the function runs the new image', async () => {
  lambdaMock
    .on(GetFunctionConfigurationCommand)
    .resolvesOnce(environment)
    .resolvesOnce(environment)
    .resolves({ Environment: { Error: { ErrorCode: 'KMSDisabledException' } } });
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  await assert.rejects(deploy(makeStep()), (error: unknown) => {
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
  const outcome = await deploy(makeStep());
  assert.equal(outcome.environmentUpdated, true);
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionCodeCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    ImageUri: NEW_IMAGE,
    RevisionId: 'rev-before-code',
  });
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: TAG, ADDED: 'meanwhile' } },
    RevisionId: 'rev-after-code',
  });
});

test('a change made between the read and the write (PreconditionFailedException) is reported, not retried, not overwritten', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ ...environment, RevisionId: 'rev-7' });
  lambdaMock
    .on(UpdateFunctionConfigurationCommand)
    .rejects(new PreconditionFailedException({ message: 'The Revision Id provided does not match the latest Revision Id.', $metadata: { httpStatusCode: 412 } }));
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  await assert.rejects(deploy(makeStep({}, SAME_IMAGE)), (error: unknown) => {
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
  await assert.rejects(
    deploy(makeStep()),
    /^DeployError: Lambda UpdateFunctionCode on quetzal-paris was refused: the function changed after this run read it \(revision rev-3\).*; nothing was changed/,
  );
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
  const outcome = await deploy(makeStep({}, SAME_IMAGE));
  assert.equal(outcome.environmentUpdated, true);
  const calls = lambdaMock.commandCalls(UpdateFunctionConfigurationCommand);
  assert.equal(calls.length, 2);
  assert.equal(calls[0].args[0].input.RevisionId, 'rev-1');
  assert.deepEqual(calls[1].args[0].input, {
    FunctionName: 'quetzal-paris',
    Environment: { Variables: { OTHER: 'changed by the other update', IMAGE_TAG: TAG } },
    RevisionId: 'rev-2',
  });
});

test('waits while LastUpdateStatus is InProgress, then goes on when Successful', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolvesOnce(status('InProgress')).resolvesOnce(status('InProgress')).resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(environment);
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  const outcome = await deploy(makeStep());
  assert.equal(outcome.codeUpdated, true);
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionCodeCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', ImageUri: NEW_IMAGE });
  // 3 polls after the code update (InProgress, InProgress, Successful) + 1 after the configuration update.
  assert.equal(lambdaMock.commandCalls(GetFunctionCommand).length, 4);
});

test('IMAGE_TAG is merged into the existing environment, every other variable kept', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(environment);
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  const { step, context } = makeStep();
  const plan = await step.plan(context);
  const outcome = await step.apply(plan, context);
  assert.equal(outcome.environmentUpdated, true);
  const calls = lambdaMock.commandCalls(UpdateFunctionConfigurationCommand);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: TAG } },
  });
  const report = step.report(plan, outcome);
  assert.equal(report.status, 'updated');
  assert.deepEqual(report.outputs, {}, 'no version published, no lambda-version output');
});

test('nothing is written when the function already runs the digest with the same IMAGE_TAG', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', IMAGE_TAG: TAG } } });
  const { step, context } = makeStep({}, SAME_IMAGE);
  const plan = await step.plan(context);
  const outcome = await step.apply(plan, context);
  assert.equal(outcome.codeUpdated, false);
  assert.equal(outcome.environmentUpdated, false);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 0);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 0);
  assert.equal(step.report(plan, outcome).status, 'unchanged');
});

test('apply takes the image the image step pushed (its outcome), the plan having none yet', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(environment);
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  const { step, context } = makeStep({}, null);
  const plan = await step.plan(context);
  assert.equal(plan.imageUri, undefined);
  const built = { imageUri: NEW_IMAGE, digest: NEW_DIGEST } satisfies Partial<ImageOutcome>;
  const outcome = await step.apply(plan, { ...context, outcomes: new Map<StepName, unknown>([['image', built]]) });
  assert.equal(outcome.imageUri, NEW_IMAGE);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand)[0].args[0].input.ImageUri, NEW_IMAGE);
});

test('apply without an image as repository@digest (neither planned nor pushed) refuses before any call', async () => {
  const { step, context } = makeStep({}, null);
  lambdaMock.on(GetFunctionConfigurationCommand).resolves(environment);
  const plan = await step.plan(context);
  lambdaMock.resetHistory();
  await assert.rejects(step.apply(plan, context), /The Lambda step needs the image as repository@sha256:digest\./);
  assert.equal(lambdaMock.calls().length, 0);
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
  const made = makeStep();
  const outcome = await deploy(made);
  assert.equal(outcome.codeUpdated, true);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 2);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 2);
  assert.ok(made.logger.infos.some((line) => /UpdateFunctionCode: another update of quetzal-paris is in progress/.test(line)));
});

test('an update still InProgress after wait-timeout-minutes fails with a clear message', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('InProgress'));
  await assert.rejects(deploy(makeStep({ 'wait-timeout-minutes': '0.003' })), (error: unknown) => {
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
  await assert.rejects(
    deploy(makeStep()),
    /update of Lambda function quetzal-paris failed: The image manifest or layer media type for the source image is not supported\. \(ImageAccessDenied\)/,
  );
});

test('other errors are not retried and name the call', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
  await assert.rejects(deploy(makeStep()), /Lambda UpdateFunctionCode on quetzal-paris failed: ResourceNotFoundException: Function not found/);
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 1);
});

test('publish: a version with a description, the alias created when missing or moved when present', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ ...environment, State: 'Active' });
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  lambdaMock.on(PublishVersionCommand).resolves({ Version: '7' });
  lambdaMock.on(GetAliasCommand).rejectsOnce(new ResourceNotFoundException({ message: 'no alias', $metadata: {} })).resolves({ FunctionVersion: '7' });
  lambdaMock.on(CreateAliasCommand).resolves({ AliasArn: ALIAS_ARN });
  lambdaMock.on(UpdateAliasCommand).resolves({ AliasArn: ALIAS_ARN });

  const { step, context } = makeStep({ publish: 'true', alias: 'live', 'image-tag': 'v1.0.0' });
  const plan = await step.plan(context);
  assert.equal(plan.publish, true);
  assert.equal(plan.alias, 'live');
  const first = await step.apply(plan, context);
  assert.equal(first.version, '7');
  assert.deepEqual(lambdaMock.commandCalls(PublishVersionCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    Description: 'commit abc123def4567890abc123def4567890abc123de',
  });
  assert.deepEqual(lambdaMock.commandCalls(CreateAliasCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', Name: 'live', FunctionVersion: '7' });
  assert.equal(step.report(plan, first).outputs['lambda-version'], '7');
  assert.equal(first.previous.aliasCreated, true, 'this deploy created the alias: its undo deletes it');

  lambdaMock.on(PublishVersionCommand).resolves({ Version: '8' });
  const second = await step.apply(await step.plan(context), context);
  assert.deepEqual(lambdaMock.commandCalls(UpdateAliasCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', Name: 'live', FunctionVersion: '8' });
  assert.equal(second.previous.aliasVersion, '7');
  assert.equal(second.previous.aliasCreated, false);
});

test('undo puts back the previous image, IMAGE_TAG and alias version, each write with the RevisionId read before it', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({
    Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: TAG } },
    RevisionId: 'rev-now',
  });
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  lambdaMock.on(UpdateAliasCommand).resolves({});
  const { step, context, logger } = makeStep();
  const done = await step.undo(
    {
      functionName: 'quetzal-paris',
      imageUri: NEW_IMAGE,
      codeUpdated: true,
      environmentUpdated: true,
      version: '8',
      aliasArn: ALIAS_ARN,
      previous: { imageUri: SAME_IMAGE, imageTag: 'old', aliasVersion: '7' },
    },
    context,
  );
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionCodeCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    ImageUri: SAME_IMAGE,
    RevisionId: 'rev-now',
  });
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    Environment: { Variables: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'old' } },
    RevisionId: 'rev-now',
  });
  assert.deepEqual(lambdaMock.commandCalls(UpdateAliasCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', Name: 'live', FunctionVersion: '7' });
  assert.equal(
    done,
    `The Lambda function quetzal-paris was rolled back: image back to ${SAME_IMAGE}; IMAGE_TAG back to old; alias live back to version 7.`,
  );
  assert.ok(logger.warnings.some((line) => line === `Rolling quetzal-paris back to ${SAME_IMAGE}`));
});

test('undo with nothing applied (same image, same IMAGE_TAG, no alias moved) writes nothing and returns undefined', async () => {
  const { step, context } = makeStep();
  const done = await step.undo(
    { functionName: 'quetzal-paris', imageUri: SAME_IMAGE, codeUpdated: false, environmentUpdated: false, version: '3', previous: { imageUri: SAME_IMAGE } },
    context,
  );
  assert.equal(done, undefined);
  assert.equal(lambdaMock.calls().length, 0);
});

test('undo of an alias this deploy created deletes it', async () => {
  lambdaMock.on(DeleteAliasCommand).resolves({});
  const { step, context } = makeStep();
  const done = await step.undo(
    { functionName: 'quetzal-paris', imageUri: SAME_IMAGE, codeUpdated: false, environmentUpdated: false, version: '8', aliasArn: ALIAS_ARN, previous: { imageUri: SAME_IMAGE, aliasCreated: true } },
    context,
  );
  assert.equal(done, 'The Lambda function quetzal-paris was rolled back: alias live (created by this deploy) deleted.');
  assert.deepEqual(lambdaMock.commandCalls(DeleteAliasCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', Name: 'live' });
  assert.equal(lambdaMock.calls().length, 1);
});

test('undo leaves an alias it found already there (created meanwhile by someone else) as it is', async () => {
  const { step, context } = makeStep();
  const done = await step.undo(
    { functionName: 'quetzal-paris', imageUri: SAME_IMAGE, codeUpdated: false, environmentUpdated: false, version: '8', aliasArn: ALIAS_ARN, previous: { imageUri: SAME_IMAGE, aliasCreated: false } },
    context,
  );
  assert.equal(done, undefined);
  assert.equal(lambdaMock.calls().length, 0);
});

test('undo of an IMAGE_TAG the function did not have removes it, other variables kept', async () => {
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { OTHER: 'kept', IMAGE_TAG: TAG } }, RevisionId: 'rev-9' });
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  const { step, context } = makeStep();
  const done = await step.undo(
    { functionName: 'quetzal-paris', imageUri: SAME_IMAGE, codeUpdated: false, environmentUpdated: true, previous: { imageUri: SAME_IMAGE } },
    context,
  );
  assert.equal(done, 'The Lambda function quetzal-paris was rolled back: IMAGE_TAG removed.');
  assert.equal(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length, 0);
  assert.deepEqual(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)[0].args[0].input, {
    FunctionName: 'quetzal-paris',
    Environment: { Variables: { OTHER: 'kept' } },
    RevisionId: 'rev-9',
  });
});

test('undo after apply restores the IMAGE_TAG apply replaced (read at apply time, not the preflight’s)', async () => {
  lambdaMock
    .on(GetFunctionConfigurationCommand)
    .resolvesOnce(environment) // plan
    .resolvesOnce(environment) // before the code update
    .resolvesOnce({ Environment: { Variables: { OTHER: 'kept', IMAGE_TAG: 'set-meanwhile' } } }) // before IMAGE_TAG
    .resolves({ Environment: { Variables: { OTHER: 'kept', IMAGE_TAG: TAG } } });
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
  const made = makeStep();
  const outcome = await deploy(made);
  assert.deepEqual(outcome.previous, { imageUri: SAME_IMAGE, imageTag: 'set-meanwhile' });
  const done = await made.step.undo(outcome, made.context);
  assert.equal(done, `The Lambda function quetzal-paris was rolled back: image back to ${SAME_IMAGE}; IMAGE_TAG back to set-meanwhile.`);
  const writes = lambdaMock.commandCalls(UpdateFunctionConfigurationCommand);
  assert.deepEqual(writes.at(-1)?.args[0].input.Environment, { Variables: { OTHER: 'kept', IMAGE_TAG: 'set-meanwhile' } });
  assert.deepEqual(
    lambdaMock.commandCalls(UpdateFunctionCodeCommand).map((call) => call.args[0].input.ImageUri),
    [NEW_IMAGE, SAME_IMAGE],
  );
});
