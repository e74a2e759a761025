/**
 * Rules checked against the Step Functions developer guide: each test names the rule, and asserts the exact rule id
 * and position of every error (or that there is none).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { machine, ruleAt, validate, where } from './helpers.ts';

function errorsOf(text: string): string[] {
  return where(validate(text), 'error');
}

const JSONATA = '"QueryLanguage": "JSONata",\n  ';
const ITEMS = '"ItemProcessor": { "StartAt": "I", "States": { "I": { "Type": "Succeed" } } }';
const DISTRIBUTED = '"ItemProcessor": { "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" }, "StartAt": "I", "States": { "I": { "Type": "Succeed" } } }';

describe('Comment is free text, never an expression', () => {
  it('accepts a Comment starting with "{%" on a JSONata state, its retriers, catchers and choice rules', () => {
    const text = machine([
      `    "First": { "Type": "Task", "Comment": "{% not closed", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Pick",`,
      `      "Retry": [{ "ErrorEquals": ["States.ALL"], "Comment": "{% retry" }],`,
      `      "Catch": [{ "ErrorEquals": ["States.ALL"], "Comment": "{% catch", "Next": "Pick" }] },`,
      `    "Pick": { "Type": "Choice", "Choices": [{ "Condition": "{% true %}", "Comment": "{% rule", "Next": "Done" }], "Default": "Done" },`,
      `    "Done": { "Type": "Succeed", "Comment": "Text {% with %} markers" }`,
    ].join('\n'), 'First', JSONATA);
    assert.deepEqual(errorsOf(text), []);
  });

  it('still evaluates a "Comment" key inside a payload, where every string is JSONata', () => {
    const text = machine(`    "First": { "Type": "Pass", "Output": { "Comment": "{% $states.input" }, "End": true }`, 'First', JSONATA);
    assert.deepEqual(errorsOf(text), [ruleAt('jsonata/syntax', text, '"{% $states.input"')]);
  });
});

describe('payload templates: the JSON types AWS accepts', () => {
  it('accepts any JSON value as JSONata Output, and an object or one expression as Arguments and ItemSelector', () => {
    const text = machine([
      `    "First": { "Type": "Pass", "Output": [1, "{% $x %}"], "Next": "Second" },`,
      `    "Second": { "Type": "Pass", "Output": 42, "Next": "Third" },`,
      `    "Third": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": "{% $states.input %}", "Output": null, "Next": "Fourth" },`,
      `    "Fourth": { "Type": "Map", "Items": "{% $states.input.list %}", "ItemSelector": "{% $states.context.Map.Item.Value %}", ${ITEMS}, "Next": "Fifth" },`,
      `    "Fifth": { "Type": "Parallel", "Arguments": { "a": 1 }, "Output": "text", "Branches": [{ "StartAt": "B", "States": { "B": { "Type": "Succeed" } } }], "End": true }`,
    ].join('\n'), 'First', JSONATA);
    assert.deepEqual(errorsOf(text), []);
  });

  it('refuses JSONata Arguments and ItemSelector that are neither an object nor an expression', () => {
    const text = machine([
      `    "First": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": [1, 2], "Next": "Second" },`,
      `    "Second": { "Type": "Parallel", "Arguments": "plain", "Branches": [{ "StartAt": "B", "States": { "B": { "Type": "Succeed" } } }], "Next": "Third" },`,
      `    "Third": { "Type": "Map", "ItemSelector": 7, ${ITEMS}, "End": true }`,
    ].join('\n'), 'First', JSONATA);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/field-type', text, '[1, 2]'), ruleAt('asl/field-type', text, '"plain"'), ruleAt('asl/field-type', text, '7,')]);
  });

  it('accepts JSONPath Parameters, ResultSelector and ItemSelector objects', () => {
    const text = machine([
      `    "First": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": { "a.$": "$.a" }, "ResultSelector": { "b.$": "$.Payload" }, "Next": "Second" },`,
      `    "Second": { "Type": "Map", "ItemSelector": { "item.$": "$$.Map.Item.Value" }, ${ITEMS}, "End": true }`,
    ].join('\n'));
    assert.deepEqual(errorsOf(text), []);
  });

  it('refuses JSONPath Parameters, ResultSelector and ItemSelector that are not objects', () => {
    const text = machine([
      `    "First": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": ["a"], "ResultSelector": "$.Payload", "Next": "Second" },`,
      `    "Second": { "Type": "Map", "ItemSelector": "{% $x %}", ${ITEMS}, "End": true }`,
    ].join('\n'));
    assert.deepEqual(errorsOf(text), [ruleAt('asl/field-type', text, '["a"]'), ruleAt('asl/field-type', text, '"$.Payload"'), ruleAt('asl/field-type', text, '"{% $x %}"')]);
  });
});

describe('intrinsic functions: argument types and values (asl/intrinsic-argument)', () => {
  const pass = (parameters: string) => machine(`    "First": { "Type": "Pass", "Parameters": { ${parameters} }, "End": true }`);

  it('accepts every intrinsic with literal arguments of the right type, paths and nested calls', () => {
    const text = pass([
      `"a.$": "States.Format('{} and {}', $.x, 3)"`, `"b.$": "States.StringToJson('{\\"a\\": 1}')"`, `"c.$": "States.JsonToString($.x)"`,
      `"d.$": "States.Array(1, 'two', null, true)"`, `"e.$": "States.ArrayPartition($.list, 4)"`, `"f.$": "States.ArrayContains($.list, 5)"`,
      `"g.$": "States.ArrayRange(1, 999, 1)"`, `"h.$": "States.ArrayGetItem(States.StringSplit($.csv, ','), 0)"`, `"i.$": "States.ArrayLength(States.Array(1, 2))"`,
      `"j.$": "States.ArrayUnique($.list)"`, `"k.$": "States.Base64Encode('data')"`, `"l.$": "States.Base64Decode($var)"`,
      `"m.$": "States.Hash($.data, 'SHA-256')"`, `"n.$": "States.JsonMerge($.a, States.StringToJson($.b), false)"`, `"o.$": "States.MathRandom(1, 100, 7)"`,
      `"p.$": "States.MathAdd(States.ArrayLength($.list), -1)"`, `"q.$": "States.StringSplit('a,b', ',')"`, `"r.$": "States.UUID()"`,
    ].join(', '));
    assert.deepEqual(errorsOf(text), []);
  });

  it('refuses a literal argument of the wrong type', () => {
    const text = pass([
      `"a.$": "States.MathAdd('one', 1)"`, `"b.$": "States.StringSplit($.s, 3)"`, `"c.$": "States.Base64Encode(5)"`,
      `"d.$": "States.ArrayLength('list')"`, `"e.$": "States.Format(42)"`, `"f.$": "States.JsonMerge($.a, 'b', false)"`,
    ].join(',\n      '));
    assert.deepEqual(errorsOf(text), [
      ruleAt('asl/intrinsic-argument', text, '"States.MathAdd'), ruleAt('asl/intrinsic-argument', text, '"States.StringSplit'),
      ruleAt('asl/intrinsic-argument', text, '"States.Base64Encode'), ruleAt('asl/intrinsic-argument', text, '"States.ArrayLength'),
      ruleAt('asl/intrinsic-argument', text, '"States.Format'), ruleAt('asl/intrinsic-argument', text, '"States.JsonMerge'),
    ]);
    assert.match(validate(text)[0].message, /argument 1 of States\.MathAdd must be a number, not the string 'one'/);
  });

  it('refuses a nested call that returns the wrong type', () => {
    const text = pass(`"a.$": "States.ArrayLength(States.UUID())"`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/intrinsic-argument', text, '"States.ArrayLength')]);
  });

  it('refuses literal values out of the limits AWS states', () => {
    const text = pass([
      `"a.$": "States.ArrayPartition($.list, 0)"`, `"b.$": "States.ArrayRange(1, 10, 0)"`, `"c.$": "States.ArrayRange(0, 5000, 1)"`,
      `"d.$": "States.Hash($.data, 'SHA256')"`, `"e.$": "States.JsonMerge($.a, $.b, true)"`, `"f.$": "States.MathAdd($.n, 3000000000)"`,
      `"g.$": "States.JsonToString('text')"`,
    ].join(',\n      '));
    assert.deepEqual(errorsOf(text), [
      ruleAt('asl/intrinsic-argument', text, '"States.ArrayPartition'), ruleAt('asl/intrinsic-argument', text, '"States.ArrayRange', 1),
      ruleAt('asl/intrinsic-argument', text, '"States.ArrayRange', 2), ruleAt('asl/intrinsic-argument', text, '"States.Hash'),
      ruleAt('asl/intrinsic-argument', text, '"States.JsonMerge'), ruleAt('asl/intrinsic-argument', text, '"States.MathAdd'),
      ruleAt('asl/intrinsic-argument', text, '"States.JsonToString'),
    ]);
  });

  it('keeps argument counts and States.Format placeholders under asl/intrinsic', () => {
    const text = pass(`"a.$": "States.StringToJson($.a, $.b)", "b.$": "States.Format('{}')"`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/intrinsic', text, '"States.StringToJson'), ruleAt('asl/intrinsic', text, '"States.Format')]);
  });
});

describe('Map state: Distributed-only fields, "...Path" twins, ItemBatcher and ResultWriter', () => {
  const map = (fields: string, processor = DISTRIBUTED, extra = '') => machine(`    "First": { "Type": "Map", ${fields}, ${processor}, "End": true }`, 'First', extra);

  it('accepts the Distributed-mode fields on a Distributed Map', () => {
    const text = map([
      `"ItemReader": { "Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": { "InputType": "JSON", "MaxItems": 10 }, "Parameters": { "Bucket": "b", "Key": "k" } }`,
      `"ItemBatcher": { "MaxItemsPerBatch": 10, "MaxInputBytesPerBatchPath": "$.bytes", "BatchInput": { "run.$": "$$.Execution.Id" } }`,
      `"ResultWriter": { "Resource": "arn:aws:states:::s3:putObject", "Parameters": { "Bucket": "b", "Prefix": "out/" }, "WriterConfig": { "Transformation": "FLATTEN", "OutputType": "JSONL" } }`,
      `"ToleratedFailureCount": 5, "ToleratedFailurePercentagePath": "$.percent", "Label": "Files"`,
    ].join(',\n      '));
    assert.deepEqual(errorsOf(text), []);
  });

  it('refuses the Distributed-only fields on an Inline Map (asl/map-inline)', () => {
    const text = map(`"ItemBatcher": { "MaxItemsPerBatch": 10 }, "ToleratedFailureCount": 1, "Label": "L"`, '"ItemProcessor": { "ProcessorConfig": { "Mode": "INLINE" }, "StartAt": "I", "States": { "I": { "Type": "Succeed" } } }');
    assert.deepEqual(errorsOf(text), [ruleAt('asl/map-inline', text, '"ItemBatcher"'), ruleAt('asl/map-inline', text, '"ToleratedFailureCount"'), ruleAt('asl/map-inline', text, '"Label"')]);
  });

  it('takes a Map without ProcessorConfig, or with the deprecated Iterator, as Inline', () => {
    const text = map('"ItemReader": { "Resource": "arn:aws:states:::s3:getObject" }', ITEMS);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/map-inline', text, '"ItemReader"')]);
    const legacy = map('"ToleratedFailurePercentage": 5', '"Iterator": { "StartAt": "I", "States": { "I": { "Type": "Succeed" } } }');
    assert.deepEqual(errorsOf(legacy), [ruleAt('asl/map-inline', legacy, '"ToleratedFailurePercentage"')]);
  });

  it('needs a known Mode and an ExecutionType in Distributed mode (asl/map-mode)', () => {
    const text = machine([
      `    "First": { "Type": "Map", "ItemProcessor": { "ProcessorConfig": { "Mode": "distributed" }, "StartAt": "I", "States": { "I": { "Type": "Succeed" } } }, "Next": "Second" },`,
      `    "Second": { "Type": "Map", "ItemProcessor": { "ProcessorConfig": { "Mode": "DISTRIBUTED" }, "StartAt": "J", "States": { "J": { "Type": "Succeed" } } }, "End": true }`,
    ].join('\n'));
    assert.deepEqual(errorsOf(text), [ruleAt('asl/map-mode', text, '"distributed"'), ruleAt('asl/map-mode', text, '"Mode"', 2)]);
  });

  it('keeps each field exclusive with its "...Path" twin', () => {
    const text = map([
      `"ItemReader": { "Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": { "MaxItems": 10, "MaxItemsPath": "$.max" } }`,
      `"ItemBatcher": { "MaxItemsPerBatch": 10, "MaxItemsPerBatchPath": "$.n", "MaxInputBytesPerBatch": 1000, "MaxInputBytesPerBatchPath": "$.b" }`,
      `"ToleratedFailureCount": 1, "ToleratedFailureCountPath": "$.c", "ToleratedFailurePercentage": 1, "ToleratedFailurePercentagePath": "$.p"`,
    ].join(',\n      '));
    assert.deepEqual(errorsOf(text), [
      ruleAt('asl/exclusive-fields', text, '"MaxItemsPath"'), ruleAt('asl/exclusive-fields', text, '"MaxItemsPerBatchPath"'),
      ruleAt('asl/exclusive-fields', text, '"MaxInputBytesPerBatchPath"'), ruleAt('asl/exclusive-fields', text, '"ToleratedFailureCountPath"'),
      ruleAt('asl/exclusive-fields', text, '"ToleratedFailurePercentagePath"'),
    ]);
  });

  it('refuses the "...Path" twins in a JSONata Map, and checks the numbers', () => {
    const text = map(`"ItemBatcher": { "MaxItemsPerBatchPath": "$.n", "MaxInputBytesPerBatch": 300000 }, "ItemReader": { "Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": { "MaxItems": "{% $max %}" } }`, DISTRIBUTED, JSONATA);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/query-language', text, '"MaxItemsPerBatchPath"'), ruleAt('asl/field-range', text, '300000')]);
  });

  it('needs a batch limit in ItemBatcher (asl/map-batcher)', () => {
    const text = map('"ItemBatcher": { "BatchInput": { "a": 1 } }');
    assert.deepEqual(errorsOf(text), [ruleAt('asl/map-batcher', text, '{ "BatchInput"')]);
  });

  it('needs WriterConfig, or Resource with Parameters, in ResultWriter (asl/map-result-writer)', () => {
    const text = machine([
      `    "First": { "Type": "Map", "ResultWriter": {}, ${DISTRIBUTED}, "Next": "Second" },`,
      `    "Second": { "Type": "Map", "ResultWriter": { "Resource": "arn:aws:states:::s3:putObject" }, ${DISTRIBUTED.replace('"I"', '"J"').replace('"I"', '"J"')}, "Next": "Third" },`,
      `    "Third": { "Type": "Map", "ResultWriter": { "WriterConfig": { "Transformation": "RAW" } }, ${DISTRIBUTED.replace('"I"', '"K"').replace('"I"', '"K"')}, "End": true }`,
    ].join('\n'));
    assert.deepEqual(errorsOf(text), [ruleAt('asl/map-result-writer', text, '{}'), ruleAt('asl/map-result-writer', text, '"Resource": "arn:aws:states:::s3:putObject"'), ruleAt('asl/map-result-writer', text, '"RAW"')]);
  });

  it('keeps a Label to 40 characters without forbidden characters (asl/map-label)', () => {
    const text = map('"Label": "my label"');
    assert.deepEqual(errorsOf(text), [ruleAt('asl/map-label', text, '"my label"')]);
    const long = map(`"Label": "${'L'.repeat(41)}"`);
    assert.deepEqual(errorsOf(long), [ruleAt('asl/map-label', long, '"LLL')]);
  });
});

describe('Task state: Lambda ARNs, timeouts and Credentials', () => {
  const task = (fields: string, extra = '') => machine(`    "First": { "Type": "Task", ${fields}, "End": true }`, 'First', extra);

  it('accepts Lambda function ARNs with no qualifier, $LATEST, a version, an alias or placeholders', () => {
    for (const resource of [
      'arn:aws:lambda:us-east-1:123456789012:function:my-function',
      'arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST',
      'arn:aws:lambda:us-east-1:123456789012:function:my-function:12',
      'arn:aws:lambda:us-east-1:123456789012:function:my-function:live_2',
      'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}',
      'arn:aws:lambda:::function:${fn}:${Alias}',
      '${FunctionArn}',
    ]) {
      assert.deepEqual(errorsOf(task(`"Resource": "${resource}"`)), [], resource);
    }
  });

  it('refuses an empty or malformed qualifier, and a malformed function ARN (asl/lambda-arn)', () => {
    for (const resource of [
      'arn:aws:lambda:us-east-1:123456789012:function:my-function:',
      'arn:aws:lambda:us-east-1:123456789012:function:my-function:$latest',
      'arn:aws:lambda:us-east-1:123456789012:function:my-function:1:2',
      'arn:aws:lambda:us-east-1:123456789012:function:my function',
      'arn:aws:lambda:us-east-1:123456789012:layer:my-layer',
    ]) {
      const text = task(`"Resource": "${resource}"`);
      assert.deepEqual(errorsOf(text), [ruleAt('asl/lambda-arn', text, `"${resource}"`)], resource);
    }
  });

  it('accepts JSONata expressions as TimeoutSeconds and HeartbeatSeconds', () => {
    assert.deepEqual(errorsOf(task('"Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": "{% $timeout %}", "HeartbeatSeconds": "{% $beat %}"', JSONATA)), []);
  });

  it('needs positive integers, the heartbeat below the timeout, and not both a field and its Path twin', () => {
    const text = task('"Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 0, "HeartbeatSeconds": 1.5, "HeartbeatSecondsPath": "$.h"');
    assert.deepEqual(errorsOf(text), [ruleAt('asl/field-range', text, '0,'), ruleAt('asl/field-type', text, '1.5'), ruleAt('asl/exclusive-fields', text, '"HeartbeatSecondsPath"')]);
    const equal = task('"Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 60, "HeartbeatSeconds": 60');
    assert.deepEqual(errorsOf(equal), [ruleAt('asl/field-range', equal, '60', 2)]);
    const jsonPath = task('"Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": "{% $t %}"');
    assert.deepEqual(errorsOf(jsonPath), [ruleAt('asl/field-type', jsonPath, '"{% $t %}"')]);
  });

  it('accepts Credentials with a RoleArn, a RoleArn.$ path or intrinsic, or a JSONata RoleArn', () => {
    assert.deepEqual(errorsOf(task('"Resource": "arn:aws:states:::lambda:invoke", "Credentials": { "RoleArn": "arn:aws:iam::111122223333:role/LambdaRole" }')), []);
    assert.deepEqual(errorsOf(task(`"Resource": "arn:aws:states:::lambda:invoke", "Credentials": { "RoleArn.$": "States.Format('arn:aws:iam::{}:role/R', $.accountId)" }`)), []);
    assert.deepEqual(errorsOf(task('"Resource": "arn:aws:states:::lambda:invoke", "Credentials": { "RoleArn": "{% $role %}" }', JSONATA)), []);
  });

  it('refuses Credentials without a role, with other fields, or with a role that is not an ARN (asl/credentials)', () => {
    const missing = task('"Resource": "arn:aws:states:::lambda:invoke", "Credentials": { "Role": "arn:aws:iam::1:role/R" }');
    assert.deepEqual(errorsOf(missing), [ruleAt('asl/credentials', missing, '{ "Role"'), ruleAt('asl/credentials', missing, '"Role"')]);
    const both = task('"Resource": "arn:aws:states:::lambda:invoke", "Credentials": { "RoleArn": "LambdaRole", "RoleArn.$": "$.role" }');
    assert.deepEqual(errorsOf(both), [ruleAt('asl/credentials', both, '"LambdaRole"'), ruleAt('asl/payload-duplicate', both, '"RoleArn.$"')]);
    const notObject = task('"Resource": "arn:aws:states:::lambda:invoke", "Credentials": "arn:aws:iam::1:role/R"');
    assert.deepEqual(errorsOf(notObject), [ruleAt('asl/field-type', notObject, '"arn:aws:iam::1:role/R"')]);
    const jsonata = task('"Resource": "arn:aws:states:::lambda:invoke", "Credentials": { "RoleArn.$": "$.role" }', JSONATA);
    assert.deepEqual(errorsOf(jsonata), [ruleAt('asl/query-language', jsonata, '"RoleArn.$"')]);
  });
});

describe('JSONata delimiters, placeholders and ResultPath', () => {
  const pass = (output: string) => machine(`    "First": { "Type": "Pass", "Output": { "value": ${output} }, "End": true }`, 'First', JSONATA);

  it('accepts whole {% %} expressions and plain text', () => {
    for (const value of ['"{% $x %}"', '"plain text"', '"100% sure"', '"a } b"']) assert.deepEqual(errorsOf(pass(value)), [], value);
  });

  it('refuses text or white space around the markers, and a closing marker alone (asl/jsonata-delimiters)', () => {
    for (const value of ['" {% $x %}"', '"Total: {% $x %}"', '"$x %}"']) {
      const text = pass(value);
      assert.deepEqual(errorsOf(text), [ruleAt('asl/jsonata-delimiters', text, value)], value);
    }
    // An expression with text after it stays a jsonata/syntax error (it starts with "{%").
    const after = pass('"{% $x %} px"');
    assert.deepEqual(errorsOf(after), [ruleAt('jsonata/syntax', after, '"{% $x %} px"')]);
  });

  it('does not look for expressions in JSONPath states', () => {
    assert.deepEqual(errorsOf(machine(`    "First": { "Type": "Pass", "Result": { "value": "Total: {% $x %}" }, "End": true }`)), []);
  });

  it('accepts closed ${placeholders} and the terraform escape $${', () => {
    const findings = validate(machine(`    "First": { "Type": "Pass", "Result": { "a": "\${Known}", "b": "$\${literal", "c": "x \${A} y \${B}" }, "End": true }`));
    assert.deepEqual(where(findings, 'error'), []);
  });

  it('refuses a ${placeholder} that is never closed (asl/unterminated-placeholder)', () => {
    const text = machine(`    "First": { "Type": "Task", "Resource": "\${FunctionArn", "End": true },\n    "Second": { "Type": "Pass", "Result": "\${A \${B}", "End": true }`);
    const errors = errorsOf(text).filter((finding) => finding.startsWith('asl/unterminated-placeholder'));
    assert.deepEqual(errors, [ruleAt('asl/unterminated-placeholder', text, '${FunctionArn'), ruleAt('asl/unterminated-placeholder', text, '${A')]);
  });

  it('accepts paths, context paths and variables where the guide allows them', () => {
    const text = machine(`    "First": { "Type": "Pass", "InputPath": "$myInput", "OutputPath": "$$.Execution.Input", "ResultPath": "$.result", "Next": "Second" },\n    "Second": { "Type": "Pass", "ResultPath": null, "End": true }`);
    assert.deepEqual(errorsOf(text), []);
  });

  it('refuses a variable as ResultPath, in a state or a catcher (asl/result-path-variable)', () => {
    const text = machine([
      `    "First": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "ResultPath": "$result", "End": true,`,
      `      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$error.cause", "Next": "Done" }] },`,
      `    "Done": { "Type": "Succeed" }`,
    ].join('\n'));
    assert.deepEqual(errorsOf(text), [ruleAt('asl/result-path-variable', text, '"$result"'), ruleAt('asl/result-path-variable', text, '"$error.cause"')]);
  });
});
