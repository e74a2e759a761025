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
import { StateMachineStep, jsonDiff } from '../../../src/state-machine/step.ts';
import type { StateMachineStepOptions } from '../../../src/state-machine/step.ts';
import { ACCOUNT, collectingLogger, testClients, testPreflight } from '../pipeline/helpers.ts';

const sfnMock = mockClient(SFNClient);
afterEach(() => sfnMock.reset());

const TARGET = {
  modelName: 'quetzal-paris',
  modelDir: '/w/quetzal-paris',
  repositoryName: 'quetzal-paris',
  functionName: 'quetzal-paris',
  stateMachine: 'quetzal-paris',
  bucketName: 'quetzal-paris',
};
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

function makeStep(deployed: unknown, overrides: Partial<StateMachineStepOptions> = {}) {
  const logger = collectingLogger();
  const preflight = testPreflight();
  preflight.stateMachine = { ...preflight.stateMachine!, definition: typeof deployed === 'string' ? deployed : JSON.stringify(deployed) };
  const step = new StateMachineStep({
    clients: testClients(),
    logger,
    preflight,
    target: TARGET,
    definitionText: TEMPLATE,
    definitionPath: 'quetzal-paris/step-functions.json',
    publish: false,
    imageTag: 'abc123',
    commitSha: 'abc123def4567890',
    ...overrides,
  });
  return { step, logger };
}

test('the substitutions are filled from the account, region, model, function and bucket', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  const { step } = makeStep({ StartAt: 'Old', States: {} });
  const plan = await step.plan();
  assert.deepEqual(JSON.parse(plan.definition), FILLED);
  assert.equal(plan.changed, true);
  assert.equal(plan.validation, 'OK (ValidateStateMachineDefinition)');
  assert.equal(sfnMock.commandCalls(ValidateStateMachineDefinitionCommand)[0].args[0].input.definition, plan.definition);
});

test('no update when the deployed definition is equal as parsed JSON (other key order and spacing)', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  const reordered = JSON.stringify({ States: FILLED.States, StartAt: FILLED.StartAt, Comment: FILLED.Comment }, null, 4);
  const { step } = makeStep(reordered);
  const plan = await step.plan();
  assert.equal(plan.changed, false);
  assert.deepEqual(plan.diff, []);
  const outcome = await step.apply(plan);
  assert.equal(outcome.updated, false);
  assert.equal(sfnMock.commandCalls(UpdateStateMachineCommand).length, 0);
  assert.equal(step.reportOutcome(outcome).status, 'unchanged');
});

test('an update sends the definition only (role, logging and tracing untouched) and publishes with a description', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: new Date(), stateMachineVersionArn: 'arn:sm:quetzal-paris:3' });
  const { step } = makeStep({ StartAt: 'Old', States: {} }, { publish: true, imageTag: 'v2.0.0' });
  const outcome = await step.apply(await step.plan());
  const input = sfnMock.commandCalls(UpdateStateMachineCommand)[0].args[0].input;
  assert.deepEqual(Object.keys(input).sort(), ['definition', 'publish', 'stateMachineArn', 'versionDescription']);
  assert.equal(input.versionDescription, 'v2.0.0 (commit abc123def456)');
  assert.equal(outcome.versionArn, 'arn:sm:quetzal-paris:3');
  assert.equal(step.reportOutcome(outcome).outputs['state-machine-version-arn'], 'arn:sm:quetzal-paris:3');
});

test('publish with an unchanged definition uses the idempotent PublishStateMachineVersion', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({ result: 'OK', diagnostics: [] });
  sfnMock.on(PublishStateMachineVersionCommand).resolves({ stateMachineVersionArn: 'arn:sm:quetzal-paris:2', creationDate: new Date() });
  const { step } = makeStep(FILLED, { publish: true });
  const outcome = await step.apply(await step.plan());
  assert.equal(outcome.versionArn, 'arn:sm:quetzal-paris:2');
  assert.equal(sfnMock.commandCalls(UpdateStateMachineCommand).length, 0);
});

test('a FAIL from ValidateStateMachineDefinition stops the plan with the diagnostics', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).resolves({
    result: 'FAIL',
    diagnostics: [{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: 'These fields are required: [Type]', location: '/States/Step1' }],
  });
  const { step } = makeStep({});
  await assert.rejects(step.plan(), /Step Functions rejects quetzal-paris\/step-functions\.json:\n- SCHEMA_VALIDATION_FAILED: These fields are required: \[Type\] \(at \/States\/Step1\)/);
});

test('when ValidateStateMachineDefinition does not answer (an emulator), a warning and the plan goes on', async () => {
  sfnMock.on(ValidateStateMachineDefinitionCommand).rejects(
    new SFNServiceException({ name: 'InternalFailure', $fault: 'server', message: 'Internal Server Error', $metadata: { httpStatusCode: 500 } }),
  );
  const { step, logger } = makeStep({});
  const plan = await step.plan();
  assert.match(plan.validation, /^skipped/);
  assert.equal(logger.warnings.length, 1);
  assert.match(logger.warnings[0], /could not validate quetzal-paris\/step-functions\.json online/);
});

test('a placeholder the action does not fill is an error naming it', async () => {
  const { step } = makeStep({}, { definitionText: '{"Comment": "${Stage}", "StartAt": "A", "States": {}}' });
  await assert.rejects(step.plan(), /uses \$\{Stage\}, which the action does not fill/);
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
  assert.equal(lines.length, 31);
  assert.equal(lines.at(-1), '… and 20 more line(s)');
});
