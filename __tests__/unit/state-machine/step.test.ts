import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  PublishStateMachineVersionCommand,
  SFNClient,
  SFNServiceException,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { DIFF_LIMIT, jsonDiff } from '../../../src/state-machine/diff.ts';
import { NEW_VERSION, StateMachineStep } from '../../../src/state-machine/step.ts';
import type { LambdaPlan } from '../../../src/lambda/step.ts';
import { DeployError } from '../../../src/ground/errors.ts';
import { ACCOUNT, COMMIT, stepContext, testPreflight, testSettings, testTarget } from '../../helpers/step-context.ts';

const sfnMock = mockClient(SFNClient);
afterEach(() => sfnMock.reset());

const STATE_MACHINE_ARN = `arn:aws:states:eu-west-3:${ACCOUNT}:stateMachine:quetzal-paris`;
const TEMPLATE = `{
  "Comment": "\${ModelName} in \${Region} of \${AccountId}",
  "StartAt": "Step1",
  "States": {
    "Step1": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": { "FunctionName": "\${LambdaFunctionArn}", "Payload": { "bucket": "\${BucketName}" } },
      "End": true
    }
  }
}`;
const FILLED = {
  Comment: `quetzal-paris in eu-west-3 of ${ACCOUNT}`,
  StartAt: 'Step1',
  States: {
    Step1: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: `arn:aws:lambda:eu-west-3:${ACCOUNT}:function:quetzal-paris`, Payload: { bucket: 'quetzal-paris' } },
      End: true,
    },
  },
};

/**
 * The state machine step and its context: the deployed definition `deployed` (in the preflight), the model's
 * definition `definitionText` (TEMPLATE by default), settings parsed from `inputs`.
 */
function makeStep(
  deployed: unknown,
  { inputs: given = {}, definitionText = TEMPLATE, lambdaPlan }: { inputs?: Record<string, string>; definitionText?: string; lambdaPlan?: Partial<LambdaPlan> } = {},
) {
  const inputs = { 'pin-lambda-version': lambdaPlan ? 'true' : 'false', ...given };
  const base = testPreflight();
  const preflight = testPreflight({
    stateMachine: { ...base.stateMachine!, definition: typeof deployed === 'string' ? deployed : JSON.stringify(deployed) },
  });
  const context = stepContext({
    settings: testSettings(inputs),
    preflight,
    target: testTarget({ modelDir: '/w/quetzal-paris' }),
    definition: { text: definitionText, path: 'quetzal-paris/step-functions.json' },
    plans: new Map(lambdaPlan ? [['lambda', { functionName: 'quetzal-paris', ...lambdaPlan }]] : []),
  });
  return { step: new StateMachineStep(), context, logger: context.logger };
}

test('the substitutions are filled from the account, region, model, function and bucket', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  const { step, context } = makeStep({ StartAt: 'Old', States: {} });
  const plan = await step.plan(context);
  assert.deepEqual(JSON.parse(plan.definition), FILLED);
  assert.equal(plan.changed, true);
  assert.equal(plan.validation, 'OK (ValidateStateMachineDefinition)');
  assert.equal(sfnMock.commandCalls(ValidateStateMachineDefinitionCommand)[0].args[0].input.definition, plan.definition);
});

test('no update when the deployed definition is equal as parsed JSON (other key order and spacing)', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  const reordered = JSON.stringify({ States: FILLED.States, StartAt: FILLED.StartAt, Comment: FILLED.Comment }, null, 4);
  const { step, context } = makeStep(reordered);
  const plan = await step.plan(context);
  assert.equal(plan.changed, false);
  assert.deepEqual(plan.diff, []);
  assert.equal(step.report(plan).status, 'unchanged');
  const outcome = await step.apply(plan, context);
  assert.equal(outcome.updated, false);
  assert.equal(sfnMock.commandCalls(UpdateStateMachineCommand).length, 0);
  assert.equal(step.report(plan, outcome).status, 'unchanged');
});

test('an update sends the definition only (role, logging and tracing untouched) and publishes with a description', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: new Date(), stateMachineVersionArn: 'arn:sm:quetzal-paris:3' });
  const { step, context } = makeStep({ StartAt: 'Old', States: {} }, { inputs: { publish: 'true', 'image-tag': 'v2.0.0' } });
  const plan = await step.plan(context);
  const outcome = await step.apply(plan, context);
  const input = sfnMock.commandCalls(UpdateStateMachineCommand)[0].args[0].input;
  assert.deepEqual(Object.keys(input).sort(), ['definition', 'publish', 'stateMachineArn', 'versionDescription']);
  assert.equal(input.versionDescription, 'commit abc123def4567890abc123def4567890abc123de');
  assert.equal(outcome.versionArn, 'arn:sm:quetzal-paris:3');
  assert.equal(input.stateMachineArn, STATE_MACHINE_ARN);
  assert.equal(input.definition, plan.definition);
  assert.equal(outcome.updated, true);
  assert.equal(outcome.versionArn, 'arn:sm:quetzal-paris:3');
  assert.deepEqual(step.report(plan, outcome).outputs, {
    'state-machine-arn': STATE_MACHINE_ARN,
    'state-machine-version-arn': 'arn:sm:quetzal-paris:3',
  });
});

test('publish with an unchanged definition uses the idempotent PublishStateMachineVersion', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  sfnMock.on(PublishStateMachineVersionCommand).resolves({ stateMachineVersionArn: 'arn:sm:quetzal-paris:2', creationDate: new Date() });
  const { step, context } = makeStep(FILLED, { inputs: { publish: 'true' } });
  const outcome = await step.apply(await step.plan(context), context);
  assert.equal(outcome.versionArn, 'arn:sm:quetzal-paris:2');
  assert.deepEqual(sfnMock.commandCalls(PublishStateMachineVersionCommand)[0].args[0].input, {
    stateMachineArn: STATE_MACHINE_ARN,
    description: `commit ${COMMIT}`,
  });
  assert.equal(sfnMock.commandCalls(UpdateStateMachineCommand).length, 0);
});

test('a FAIL from ValidateStateMachineDefinition stops the plan with the diagnostics', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({
    result: 'FAIL',
    diagnostics: [{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: 'These fields are required: [Type]', location: '/States/Step1' }],
  });
  const { step, context } = makeStep({});
  await assert.rejects(step.plan(context), /Step Functions rejects quetzal-paris\/step-functions\.json:\n- SCHEMA_VALIDATION_FAILED: These fields are required: \[Type\] \(at \/States\/Step1\)/);
});

test('when ValidateStateMachineDefinition does not answer (an emulator), a warning and the plan goes on', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).rejects(
    new SFNServiceException({ name: 'InternalFailure', $fault: 'server', message: 'Internal Server Error', $metadata: { httpStatusCode: 500 } }),
  );
  const { step, context, logger } = makeStep({});
  const plan = await step.plan(context);
  assert.match(plan.validation, /^skipped/);
  assert.equal(logger.warnings.length, 1);
  assert.match(logger.warnings[0], /could not validate quetzal-paris\/step-functions\.json online/);
});

test('a placeholder the action does not fill is an error naming it', async () => {
  const { step, context } = makeStep({}, { definitionText: '{"Comment": "${Stage}", "StartAt": "A", "States": {}}' });
  await assert.rejects(step.plan(context), /uses \$\{Stage\}, which the action does not fill/);
  assert.equal(sfnMock.calls().length, 0);
});

test('the diff lists changed paths, shortest first, and is capped', () => {
  assert.deepEqual(jsonDiff({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, { StartAt: 'A', States: { A: { Type: 'Wait', End: true }, B: { Type: 'Succeed' } } }), [
    '- .States.A.Type: "Pass"',
    '+ .States.A.Type: "Wait"',
    '+ .States.B: {"Type":"Succeed"}',
  ]);
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`S${index}`, index]));
  const lines = jsonDiff({}, many);
  assert.equal(lines.length, DIFF_LIMIT + 1);
  assert.equal(lines.at(-1), '… and 20 more line(s)');
});

test('undo puts back the definition the preflight read, with UpdateStateMachine, when the apply updated it', async () => {
  const deployed = { StartAt: 'Old', States: { Old: { Type: 'Pass', End: true } } };
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: new Date() });
  const { step, context } = makeStep(deployed);
  const outcome = await step.apply(await step.plan(context), context);
  assert.equal(outcome.updated, true);
  const done = await step.undo(outcome, context);
  assert.equal(done, 'The state machine quetzal-paris was rolled back: the definition it had before this run.');
  const calls = sfnMock.commandCalls(UpdateStateMachineCommand);
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[1].args[0].input, { stateMachineArn: STATE_MACHINE_ARN, definition: JSON.stringify(deployed) });
});

test('undo does nothing, and says nothing, when the apply did not update the definition (a version published or not)', async () => {
  const { step, context } = makeStep(FILLED);
  assert.equal(await step.undo({ stateMachineArn: STATE_MACHINE_ARN, updated: false }, context), undefined);
  assert.equal(await step.undo({ stateMachineArn: STATE_MACHINE_ARN, updated: false, versionArn: 'arn:sm:quetzal-paris:2' }, context), undefined);
  assert.equal(sfnMock.calls().length, 0);
});

test('an undo that Step Functions refuses is a DeployError naming the call and the state machine', async () => {
  sfnMock.on(UpdateStateMachineCommand).rejects(
    new SFNServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not allowed', $metadata: { httpStatusCode: 400 } }),
  );
  const { step, context } = makeStep({ StartAt: 'Old', States: {} });
  await assert.rejects(step.undo({ stateMachineArn: STATE_MACHINE_ARN, updated: true }, context), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.match(error.message, new RegExp(`^UpdateStateMachine on ${STATE_MACHINE_ARN} failed: AccessDeniedException`));
    return true;
  });
});

const FUNCTION_ARN = `arn:aws:lambda:eu-west-3:${ACCOUNT}:function:quetzal-paris`;

test('pinned: the plan names the version the Lambda step publishes, and apply the one it published', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: new Date() });
  const { step, context } = makeStep(FILLED, { lambdaPlan: { version: undefined } });
  const plan = await step.plan(context);
  assert.equal(plan.lambdaVersion, NEW_VERSION);
  assert.equal(plan.changed, true);
  assert.ok(plan.diff.some((line) => line.includes(`${FUNCTION_ARN}:${NEW_VERSION}`)), plan.diff.join('\n'));
  (context.outcomes as Map<string, unknown>).set('lambda', { version: '7' });
  const outcome = await step.apply(plan, context);
  const sent = JSON.parse(sfnMock.commandCalls(UpdateStateMachineCommand)[0].args[0].input.definition ?? '');
  assert.equal(sent.States.Step1.Parameters.FunctionName, `${FUNCTION_ARN}:7`);
  assert.equal(outcome.lambdaVersion, '7');
});

test('pinned to a version already published: equal to the deployed definition, nothing is written', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  const deployed = structuredClone(FILLED);
  deployed.States.Step1.Parameters.FunctionName = `${FUNCTION_ARN}:4`;
  const { step, context } = makeStep(deployed, { lambdaPlan: { version: '4' } });
  const plan = await step.plan(context);
  assert.equal(plan.changed, false);
  (context.outcomes as Map<string, unknown>).set('lambda', { version: '4' });
  const outcome = await step.apply(plan, context);
  assert.equal(outcome.updated, false);
  assert.equal(sfnMock.commandCalls(UpdateStateMachineCommand).length, 0);
});

test('pinned without the Lambda step: the published version equal to the function now, or a clear error when there is none', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  const make = (versionMatchingNow?: string) => {
    const made = makeStep(FILLED, { lambdaPlan: { versionMatchingNow } });
    return { ...made, context: { ...made.context, selected: new Set(['state-machine'] as const) } };
  };
  const found = make('3');
  assert.equal((await found.step.plan(found.context)).lambdaVersion, '3');
  const none = make(undefined);
  await assert.rejects(none.step.plan(none.context), (error: unknown) => error instanceof DeployError && /no published version/.test(error.message) && /pin-lambda-version/.test(error.hint ?? ''));
});

test('pinned: "${LambdaFunctionArn}:live" keeps its alias, the bare function name is pinned', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  const definitionText = JSON.stringify({
    StartAt: 'A',
    States: {
      A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${LambdaFunctionArn}:live' }, Next: 'B' },
      B: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'quetzal-paris' }, End: true },
    },
  });
  const { step, context } = makeStep(FILLED, { lambdaPlan: { version: '4' }, definitionText });
  const plan = await step.plan(context);
  const sent = JSON.parse(plan.definition);
  assert.equal(sent.States.A.Parameters.FunctionName, `${FUNCTION_ARN}:live`);
  assert.equal(sent.States.B.Parameters.FunctionName, `${FUNCTION_ARN}:4`);
});
