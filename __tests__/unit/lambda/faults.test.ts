/**
 * The Lambda step when AWS misbehaves in ways moto never does: an update that stays in progress, a create whose
 * answer was lost, a read that keeps failing. Each ends in a clear DeployError or in the intended state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaServiceException,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { DeployError } from '../../../src/ground/errors.ts';
import type { StepName } from '../../../src/ground/step.ts';
import type { ImagePlan } from '../../../src/image/step.ts';
import { LambdaStep, type LambdaOutcome } from '../../../src/lambda/step.ts';
import { COMMIT, stepContext, testSettings } from '../../helpers/step-context.ts';
import { ALIAS_ARN, NEW_IMAGE, lambdaMock, status } from './helpers.ts';

const conflict = () => new ResourceConflictException({ message: 'The operation cannot be performed at this time. An update is in progress', $metadata: {} });

/**
 * Plans and applies the Lambda step to NEW_IMAGE (the image step's plan), polling fast and waiting for an update in
 * progress only a fraction of a second (wait-timeout-minutes 0.003); `inputs` add to the settings.
 */
async function deploy(inputs: Record<string, string> = {}): Promise<LambdaOutcome> {
  const step = new LambdaStep({ pollDelay: { min: 0.01, max: 0.02 } });
  const context = stepContext({
    settings: testSettings({ 'wait-timeout-minutes': '0.003', 'pin-lambda-version': 'false', 'keep-lambda-versions': '0', ...inputs }),
    plans: new Map<StepName, unknown>([['image', { imageUri: NEW_IMAGE } satisfies Partial<ImagePlan>]]),
  });
  return step.apply(await step.plan(context), context);
}

test('an update of someone else that never ends (ResourceConflictException past wait-timeout-minutes): a clear error, no other write', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).rejects(conflict());
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  await assert.rejects(deploy(), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.match(error.message, /UpdateFunctionCode on quetzal-paris kept failing with ResourceConflictException \(an update in progress\) for 0\.003 minute/);
    assert.match(error.hint ?? '', /wait-timeout-minutes/);
    return true;
  });
  assert.ok(lambdaMock.commandCalls(UpdateFunctionCodeCommand).length >= 2, 'it waited and tried again');
  assert.equal(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).length, 0);
});

test('an update stuck InProgress while waiting out a conflict: the error names LastUpdateStatus and the input to raise', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).rejects(conflict());
  lambdaMock.on(GetFunctionCommand).resolves(status('InProgress'));
  await assert.rejects(deploy(), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.match(error.message, /still updating \(LastUpdateStatus InProgress\) after 0\.003 minute/);
    assert.match(error.hint ?? '', /wait-timeout-minutes/);
    return true;
  });
});

test('CreateAlias whose answer was lost (the retry meets "alias already exists"): the alias is moved, the deploy goes on', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { IMAGE_TAG: COMMIT } }, State: 'Active' });
  lambdaMock.on(PublishVersionCommand).resolves({ Version: '3' });
  lambdaMock.on(GetAliasCommand).rejects(new ResourceNotFoundException({ message: 'Alias not found', $metadata: {} }));
  lambdaMock.on(CreateAliasCommand).rejects(new ResourceConflictException({ message: 'Alias already exists: live', $metadata: {} }));
  lambdaMock.on(UpdateAliasCommand).resolves({ AliasArn: ALIAS_ARN });
  const outcome = await deploy({ publish: 'true', alias: 'live' });
  assert.equal(outcome.aliasArn, ALIAS_ARN);
  assert.equal(lambdaMock.commandCalls(CreateAliasCommand).length, 1, 'not retried in a loop');
  assert.deepEqual(lambdaMock.commandCalls(UpdateAliasCommand)[0].args[0].input, { FunctionName: 'quetzal-paris', Name: 'live', FunctionVersion: '3' });
});

test('a read that keeps failing after every SDK retry is a DeployError naming the call and saying to re-run', async () => {
  lambdaMock.on(UpdateFunctionCodeCommand).resolves({});
  lambdaMock.on(GetFunctionCommand).resolves(status('Successful'));
  lambdaMock
    .on(GetFunctionConfigurationCommand)
    .resolvesOnce({}) // the plan's read; apply's read is the one that keeps failing
    .rejects(new LambdaServiceException({ name: 'ServiceException', $fault: 'server', message: 'An internal error occurred.', $metadata: { httpStatusCode: 500 } }));
  await assert.rejects(deploy(), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.match(error.message, /GetFunctionConfiguration on quetzal-paris failed: ServiceException \(HTTP 500\)/);
    assert.match(error.hint ?? '', /re-run/);
    return true;
  });
});
