import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runsTaskFamily } from '../../../src/ground/task-states.ts';
import { pinFunction, pinTaskFamily, taskRevisionsIn } from '../../../src/state-machine/pin.ts';

const ARN = 'arn:aws:lambda:eu-west-3:123456789012:function:quetzal-paris';
const task = (Parameters: object, Resource = 'arn:aws:states:::lambda:invoke') => ({ Type: 'Task', Resource, Parameters, End: true });
const pinned = (definition: object) => JSON.parse(pinFunction(JSON.stringify(definition, null, 2), 'quetzal-paris', `${ARN}:7`));

test('the unqualified ARN, the partial ARN and the bare name of the model function are pinned', () => {
  const result = pinned({
    StartAt: 'A',
    States: {
      A: task({ FunctionName: ARN }),
      B: task({ FunctionName: '123456789012:function:quetzal-paris' }),
      C: task({ FunctionName: 'quetzal-paris' }),
      D: task({ FunctionName: ARN }, 'arn:aws:states:::lambda:invoke.waitForTaskToken'),
    },
  });
  for (const name of ['A', 'B', 'C', 'D']) assert.equal(result.States[name].Parameters.FunctionName, `${ARN}:7`, name);
});

test('other functions, explicit qualifiers and JSONPath names stay as written', () => {
  const auth = 'arn:aws:lambda:eu-west-3:123456789012:function:quetzal-api-auth:$LATEST';
  const definition = {
    StartAt: 'A',
    States: {
      A: task({ FunctionName: auth }),
      B: task({ FunctionName: `${ARN}:$LATEST` }),
      C: task({ FunctionName: `${ARN}:live` }),
      D: task({ 'FunctionName.$': '$.fn' }),
      E: task({ FunctionName: 'quetzal-paris-other' }),
      F: { Type: 'Pass', Parameters: { FunctionName: ARN }, End: true },
    },
  };
  assert.deepEqual(pinned(definition), definition);
});

test('a direct invocation (Resource is the function ARN) is pinned, inside Parallel branches and Map processors too', () => {
  const result = pinned({
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'X', States: { X: { Type: 'Task', Resource: ARN, End: true } } }],
        Next: 'M',
      },
      M: { Type: 'Map', ItemProcessor: { StartAt: 'Y', States: { Y: task({ FunctionName: ARN }) } }, Next: 'I' },
      I: { Type: 'Map', Iterator: { StartAt: 'Z', States: { Z: task({ FunctionName: 'quetzal-paris' }) } }, End: true },
    },
  });
  assert.equal(result.States.P.Branches[0].States.X.Resource, `${ARN}:7`);
  assert.equal(result.States.M.ItemProcessor.States.Y.Parameters.FunctionName, `${ARN}:7`);
  assert.equal(result.States.I.Iterator.States.Z.Parameters.FunctionName, `${ARN}:7`);
});

test('the text keeps its layout: only the pinned strings change', () => {
  const text = '{\n  "StartAt": "A",\n  "States": {\n    "A": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",\n      "Parameters": { "FunctionName": "quetzal-paris" }, "End": true }\n  }\n}';
  assert.equal(pinFunction(text, 'quetzal-paris', `${ARN}:7`), text.replace('"quetzal-paris"', `"${ARN}:7"`));
});

test('"${LambdaFunctionArn}:live" in a definition keeps its own qualifier', async () => {
  const { substituteDefinition } = await import('../../../src/validate/definition/substitutions.ts');
  const { text } = substituteDefinition(JSON.stringify({ StartAt: 'A', States: { A: task({ FunctionName: '${LambdaFunctionArn}:live' }) } }), { LambdaFunctionArn: ARN });
  assert.equal(JSON.parse(pinFunction(text, 'quetzal-paris', `${ARN}:7`)).States.A.Parameters.FunctionName, `${ARN}:live`);
});

const FAMILY_ARN = 'arn:aws:ecs:eu-west-3:123456789012:task-definition/quetzal-paris-task';
const runTask = (TaskDefinition: string, Resource = 'arn:aws:states:::ecs:runTask.sync', payload = 'Parameters') => ({ Type: 'Task', Resource, [payload]: { Cluster: 'quetzal-paris', TaskDefinition }, End: true });
const withTasks = (states: Record<string, object>) => JSON.stringify({ StartAt: Object.keys(states)[0], States: states }, null, 2);

test('an ecs:runTask state running the family without a revision runs the new revision, in every form and nesting', () => {
  const text = withTasks({
    A: runTask('quetzal-paris-task'),
    B: runTask(FAMILY_ARN, 'arn:aws:states:::ecs:runTask'),
    C: runTask('quetzal-paris-task', 'arn:aws:states:::ecs:runTask.waitForTaskToken', 'Arguments'),
    P: { Type: 'Parallel', Branches: [{ StartAt: 'X', States: { X: runTask('quetzal-paris-task') } }], End: true },
    M: { Type: 'Map', ItemProcessor: { StartAt: 'Y', States: { Y: runTask(FAMILY_ARN) } }, End: true },
  });
  const result = JSON.parse(pinTaskFamily(text, 'quetzal-paris-task', `${FAMILY_ARN}:8`));
  for (const name of ['A', 'B']) assert.equal(result.States[name].Parameters.TaskDefinition, `${FAMILY_ARN}:8`, name);
  assert.equal(result.States.C.Arguments.TaskDefinition, `${FAMILY_ARN}:8`);
  assert.equal(result.States.P.Branches[0].States.X.Parameters.TaskDefinition, `${FAMILY_ARN}:8`);
  assert.equal(result.States.M.ItemProcessor.States.Y.Parameters.TaskDefinition, `${FAMILY_ARN}:8`);
});

test('a revision written out, another family, a path, an expression and other integrations stay as written', () => {
  const text = withTasks({
    A: runTask('quetzal-paris-task:3'),
    B: runTask(`${FAMILY_ARN}:3`),
    C: runTask('quetzal-lyon-task'),
    D: runTask('{% $family %}', 'arn:aws:states:::ecs:runTask', 'Arguments'),
    E: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', Parameters: { 'TaskDefinition.$': '$.family' }, End: true },
    F: runTask('quetzal-paris-task', 'arn:aws:states:::batch:submitJob.sync'),
    G: { Type: 'Pass', Parameters: { TaskDefinition: 'quetzal-paris-task' }, End: true },
  });
  assert.equal(pinTaskFamily(text, 'quetzal-paris-task', `${FAMILY_ARN}:8`), text);
  assert.equal(runsTaskFamily(text, 'quetzal-paris-task', 'quetzal-paris'), false, 'nothing to pin: the deploy has no ECS step');
});

test('a definition runs the family when a state names it without a revision, ${ModelName} filled', () => {
  assert.equal(runsTaskFamily(withTasks({ A: runTask('${ModelName}-task') }), 'quetzal-paris-task', 'quetzal-paris'), true);
  assert.equal(runsTaskFamily(withTasks({ A: runTask(FAMILY_ARN) }), 'quetzal-paris-task', 'quetzal-paris'), true);
  assert.equal(runsTaskFamily('{ not json', 'quetzal-paris-task', 'quetzal-paris'), false);
});

test('the revisions a deployed definition runs are read as written, for the comparison', () => {
  const text = withTasks({ A: runTask(`${FAMILY_ARN}:5`), B: runTask('quetzal-paris-task:5'), C: runTask('quetzal-paris-task'), D: runTask('quetzal-lyon-task:2') });
  assert.deepEqual([...taskRevisionsIn(text, 'quetzal-paris-task')], [`${FAMILY_ARN}:5`, 'quetzal-paris-task:5']);
});
