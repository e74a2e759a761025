import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pinFunction } from '../../../src/state-machine/pin.ts';

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
