import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lambdaFunctionNameOf } from '../../../src/ground/names.ts';
import { machine, ruleAt, validate, where } from './helpers.ts';

const modelFolder = join(import.meta.dirname, '../../fixtures/asl/quetzal-model');

function step(notebook: string, functionName: string, resource = 'arn:aws:states:::lambda:invoke'): string {
  const payload = `{ "notebook_path": ${notebook}, "scenario_path_S3.$": "$.scenario_path_S3" }`;
  const parameters = resource.includes(':states:::') ? `{ "Payload": ${payload}, "FunctionName": "${functionName}" }` : payload;
  return machine(`    "First": { "Type": "Task", "Resource": "${resource}", "Parameters": ${parameters}, "End": true }`);
}

describe('Quetzal notebook steps', () => {
  it('accepts a notebook that exists under the model folder', () => {
    assert.deepEqual(validate(step('"notebooks/transport/A10_STEP_1.ipynb"', '${LambdaFunctionArn}'), { modelFolder }), []);
  });

  it('reports a missing notebook at its value', () => {
    const text = step('"notebooks/transport/A99.ipynb"', '${LambdaFunctionArn}');
    assert.deepEqual(where(validate(text, { modelFolder })), [ruleAt('quetzal/notebook-missing', text, '"notebooks/transport/A99.ipynb"')]);
  });

  it('checks notebooks of direct Lambda ARN tasks too', () => {
    const text = step('"notebooks/none.ipynb"', '', 'arn:aws:lambda:${Region}:${AccountId}:function:quetzal-paris');
    assert.deepEqual(where(validate(text, { modelFolder })), [ruleAt('quetzal/notebook-missing', text, '"notebooks/none.ipynb"')]);
  });

  it('refuses a path that is not a notebook or leaves the model folder', () => {
    const notNotebook = step('"notebooks/transport"', '${LambdaFunctionArn}');
    assert.deepEqual(where(validate(notNotebook, { modelFolder })), [ruleAt('quetzal/notebook-path', notNotebook, '"notebooks/transport"')]);
    const outside = step('"../other/A10.ipynb"', '${LambdaFunctionArn}');
    assert.deepEqual(where(validate(outside, { modelFolder })), [ruleAt('quetzal/notebook-path', outside, '"../other/A10.ipynb"')]);
  });

  it('refuses Windows backslashes, which the Linux Lambda would read as part of the name, and says what to write', () => {
    const text = step('"notebooks\\\\transport\\\\A10_STEP_1.ipynb"', '${LambdaFunctionArn}');
    const findings = validate(text, { modelFolder });
    assert.deepEqual(where(findings), [ruleAt('quetzal/notebook-path', text, '"notebooks')]);
    assert.match(findings[0].message, /Write "notebooks\/transport\/A10_STEP_1\.ipynb"/);
  });

  it('skips a notebook path read from the input at run time', () => {
    const text = machine(`    "First": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": { "Payload": { "notebook_path.$": "$.nb" }, "FunctionName": "\${LambdaFunctionArn}" }, "End": true }`);
    assert.deepEqual(validate(text, { modelFolder }), []);
  });
});

describe('Quetzal function names', () => {
  const notebook = '"notebooks/transport/A10_STEP_1.ipynb"';

  it('warns when FunctionName is not the model\'s function', () => {
    const text = step(notebook, 'quetzal-lyon:$LATEST');
    const findings = validate(text, { modelFolder, lambdaFunctionName: 'quetzal-paris' });
    assert.deepEqual(where(findings), [ruleAt('quetzal/function-name', text, '"quetzal-lyon')]);
    assert.equal(findings[0].severity, 'warning');
  });

  it('expects the shared quetzal-api-auth function and the model\'s own', () => {
    for (const name of ['quetzal-api-auth:$LATEST', 'quetzal-paris', 'arn:aws:lambda:${Region}:${AccountId}:function:quetzal-paris:prod']) {
      assert.deepEqual(validate(step(notebook, name), { modelFolder, lambdaFunctionName: 'quetzal-paris' }), [], name);
    }
  });

  it('reads the function name out of ARNs and partial ARNs', () => {
    assert.equal(lambdaFunctionNameOf('arn:aws:lambda:ca-central-1:142023388927:function:quetzal-api-auth:$LATEST'), 'quetzal-api-auth');
    assert.equal(lambdaFunctionNameOf('142023388927:function:quetzal-paris'), 'quetzal-paris');
    assert.equal(lambdaFunctionNameOf('quetzal-paris:prod'), 'quetzal-paris');
  });

  it('notes a hard-coded region and account id in an ARN', () => {
    const text = step(notebook, 'arn:aws:lambda:ca-central-1:142023388927:function:quetzal-paris');
    const findings = validate(text, { modelFolder, lambdaFunctionName: 'quetzal-paris' });
    assert.deepEqual(where(findings), [ruleAt('quetzal/hardcoded-arn', text, '"arn:aws:lambda:ca-central-1')]);
    assert.equal(findings[0].severity, 'notice');
    assert.match(findings[0].message, /"\$\{Region\}" and "\$\{AccountId\}"/);
  });
});
