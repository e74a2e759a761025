import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { machine, ruleAt, validate, where } from './helpers.ts';

function errorsOf(text: string): string[] {
  return where(validate(text), 'error');
}

describe('state machine structure', () => {
  it('accepts a minimal machine', () => {
    assert.deepEqual(validate(machine(`    "First": { "Type": "Succeed" }`)), []);
  });

  it('needs StartAt to name a state of the block', () => {
    const text = machine(`    "first": { "Type": "Succeed" }`);
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('asl/start-at', text, '"First"')]);
    assert.match(findings[0].message, /did you mean "first"/);
  });

  it('needs StartAt and States', () => {
    const text = '{\n  "States": {}\n}\n';
    assert.deepEqual(errorsOf(text), ['asl/missing-field@1:1', ruleAt('asl/missing-field', text, '{}')]);
  });

  it('refuses unknown top-level fields and bad QueryLanguage values', () => {
    const text = machine(`    "First": { "Type": "Succeed" }`, 'First', '"QueryLanguage": "SQL",\n  "Startat": 1,\n  ');
    assert.deepEqual(errorsOf(text), [ruleAt('asl/query-language', text, '"SQL"'), ruleAt('asl/unknown-field', text, '"Startat"')]);
  });

  it('refuses a state that is not an object', () => {
    const text = machine(`    "First": { "Type": "Succeed" },\n    "Comment": "not here"`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/structure', text, '"not here"')]);
  });

  it('checks that every Next, Default and Catch Next target exists', () => {
    const text = machine([
      `    "First": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Missing",`,
      `      "Catch": [{ "ErrorEquals": ["States.ALL"], "Next": "Nowhere" }] },`,
      `    "Pick": { "Type": "Choice", "Choices": [{ "Variable": "$.a", "IsPresent": true, "Next": "End" }], "Default": "Gone" },`,
      `    "End": { "Type": "Succeed" }`,
    ].join('\n'));
    assert.deepEqual(errorsOf(text), [
      ruleAt('asl/next-target', text, '"Missing"'),
      ruleAt('asl/next-target', text, '"Nowhere"'),
      ruleAt('asl/unreachable', text, '"Pick"'),
      ruleAt('asl/next-target', text, '"Gone"'),
      ruleAt('asl/unreachable', text, '"End": {'), // only reachable through the unreachable "Pick"
    ]);
  });

  it('reports states that no transition reaches', () => {
    const text = machine(`    "First": { "Type": "Pass", "End": true },\n    "Orphan": { "Type": "Pass", "End": true }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/unreachable', text, '"Orphan"')]);
  });

  it('needs a terminal state in each block', () => {
    const text = machine(`    "First": { "Type": "Pass", "Next": "Second" },\n    "Second": { "Type": "Pass", "Next": "First" }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/no-terminal', text, '"StartAt"')]);
  });

  it('needs exactly one of Next and End on flow states', () => {
    const text = machine(`    "First": { "Type": "Pass", "Next": "Second", "End": true },\n    "Second": { "Type": "Wait", "Seconds": 3 }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/end-or-next', text, '"Next"'), ruleAt('asl/end-or-next', text, '"Type"', 2)]);
  });

  it('refuses Next on Succeed/Fail and End on Choice', () => {
    const text = machine([
      `    "First": { "Type": "Choice", "Choices": [{ "Variable": "$.ok", "BooleanEquals": true, "Next": "Done" }], "Default": "Failed", "End": true },`,
      `    "Done": { "Type": "Succeed", "Next": "Failed" },`,
      `    "Failed": { "Type": "Fail", "Error": "E" }`,
    ].join('\n'));
    assert.deepEqual(errorsOf(text), [ruleAt('asl/end-or-next', text, '"End"'), ruleAt('asl/end-or-next', text, '"Next"', 2)]);
  });

  it('refuses unknown state types and unknown fields', () => {
    const text = machine(`    "First": { "Type": "Lambda", "End": true },\n    "Second": { "Type": "Pass", "Reslt": 1, "End": true }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/state-type', text, '"Lambda"'), ruleAt('asl/unreachable', text, '"Second"'), ruleAt('asl/unknown-field', text, '"Reslt"')]);
  });

  it('requires state names unique across the whole machine, nested blocks included', () => {
    const text = machine([
      `    "First": { "Type": "Parallel", "End": true, "Branches": [`,
      `      { "StartAt": "Work", "States": { "Work": { "Type": "Pass", "End": true } } },`,
      `      { "StartAt": "Work", "States": { "Work": { "Type": "Pass", "End": true } } }`,
      `    ] }`,
    ].join('\n'));
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('asl/duplicate-state-name', text, '"Work":', 2)]);
    assert.match(findings[0].message, /already used in branch 1 of Parallel state "First"/);
  });

  it('keeps transitions inside their block (Parallel branch, Map ItemProcessor)', () => {
    const text = machine([
      `    "First": { "Type": "Map", "Next": "After", "ItemProcessor": { "StartAt": "Item", "States": {`,
      `      "Item": { "Type": "Pass", "Next": "After" } } } },`,
      `    "After": { "Type": "Succeed" }`,
    ].join('\n'));
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('asl/no-terminal', text, '"StartAt"', 2), ruleAt('asl/next-target', text, '"After"', 2)]);
    assert.match(findings[1].message, /which is in the state machine: a state can only go to states of its own block/);
  });

  it('refuses state names longer than 80 characters', () => {
    const name = 'S'.repeat(81);
    const text = machine(`    "${name}": { "Type": "Succeed" }`, name);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/state-name', text, `"${name}":`)]);
  });
});

describe('fields per state type', () => {
  it('needs a Resource ARN on Task states', () => {
    const text = machine(`    "First": { "Type": "Task", "End": true },\n    "Second": { "Type": "Task", "Resource": "my-function", "End": true }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/missing-field', text, '"Type"'), ruleAt('asl/unreachable', text, '"Second"'), ruleAt('asl/resource', text, '"my-function"')]);
  });

  it('checks Task timeouts: positive integers, heartbeat below timeout, not both forms', () => {
    const text = machine(`    "First": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 10, "HeartbeatSeconds": 10, "TimeoutSecondsPath": "$.t", "End": true }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/field-range', text, '10,', 2), ruleAt('asl/exclusive-fields', text, '"TimeoutSecondsPath"')]);
  });

  it('accepts a ${placeholder} where a number or an ARN is expected', () => {
    const text = machine(`    "First": { "Type": "Task", "Resource": "\${FunctionArn}", "TimeoutSeconds": "\${Timeout}", "End": true }`);
    assert.deepEqual(errorsOf(text), []);
  });

  it('needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath on Wait states', () => {
    const text = machine(`    "First": { "Type": "Wait", "Seconds": 5, "SecondsPath": "$.s", "Next": "Second" },\n    "Second": { "Type": "Wait", "Timestamp": "2026-03-14 01:59:00", "End": true }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/exclusive-fields', text, '"SecondsPath"'), ruleAt('asl/timestamp', text, '"2026-03-14 01:59:00"')]);
  });

  it('keeps Fail Error/ErrorPath and Cause/CausePath exclusive', () => {
    const text = machine(`    "First": { "Type": "Fail", "Error": "E", "ErrorPath": "$.e", "Cause": "c", "CausePath": "States.Format('{}', $.c)" }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/exclusive-fields', text, '"ErrorPath"'), ruleAt('asl/exclusive-fields', text, '"CausePath"')]);
  });

  it('needs Branches on Parallel and an ItemProcessor on Map', () => {
    const text = machine(`    "First": { "Type": "Parallel", "Next": "Second" },\n    "Second": { "Type": "Map", "End": true }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/missing-field', text, '{ "Type": "Parallel"'), ruleAt('asl/missing-field', text, '{ "Type": "Map"')]);
  });

  it('checks Map limits', () => {
    const text = machine(`    "First": { "Type": "Map", "MaxConcurrency": -1, "ToleratedFailurePercentage": 120, "End": true, "ItemProcessor": { "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" }, "StartAt": "I", "States": { "I": { "Type": "Succeed" } } } }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/field-range', text, '-1'), ruleAt('asl/field-range', text, '120')]);
  });
});

describe('Retry and Catch', () => {
  const task = (retry: string) => machine(`    "First": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, ${retry} }`);

  it('accepts well-formed retriers', () => {
    assert.deepEqual(errorsOf(task(`"Retry": [{ "ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "MaxAttempts": 0, "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL" }, { "ErrorEquals": ["States.ALL"] }]`)), []);
  });

  it('needs States.ALL alone and in the last retrier', () => {
    const text = task(`"Retry": [{ "ErrorEquals": ["States.ALL", "E"] }, { "ErrorEquals": ["E2"] }]`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/retry', text, '"States.ALL"'), ruleAt('asl/retry', text, '"States.ALL"')]);
  });

  it('checks retrier numbers, jitter, and unknown fields', () => {
    const text = task(`"Retry": [{ "ErrorEquals": [], "IntervalSeconds": 0, "MaxAttempts": 1.5, "BackoffRate": 0.5, "MaxDelaySeconds": 31622401, "JitterStrategy": "HALF", "Delay": 1 }]`);
    assert.deepEqual(errorsOf(text), [
      ruleAt('asl/retry', text, '[]'), ruleAt('asl/retry', text, '0,'), ruleAt('asl/retry', text, '1.5'),
      ruleAt('asl/retry', text, '0.5'), ruleAt('asl/retry', text, '31622401'), ruleAt('asl/retry', text, '"HALF"'),
      ruleAt('asl/retry', text, '"Delay"'),
    ].sort(byPosition));
  });

  it('needs Next on each catcher and States.ALL in the last one', () => {
    const text = machine([
      `    "First": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,`,
      `      "Catch": [{ "ErrorEquals": ["States.ALL"], "Next": "Recover" }, { "ErrorEquals": ["E"] }] },`,
      `    "Recover": { "Type": "Succeed" }`,
    ].join('\n'));
    assert.deepEqual(errorsOf(text), [ruleAt('asl/catch', text, '"States.ALL"'), ruleAt('asl/catch', text, '{ "ErrorEquals": ["E"]')]);
  });
});

describe('Choice rules', () => {
  const choice = (rules: string) => machine(`    "First": { "Type": "Choice", "Choices": [${rules}], "Default": "Done" },\n    "Done": { "Type": "Succeed" }`);

  it('accepts nested And/Or/Not rules', () => {
    assert.deepEqual(errorsOf(choice(`{ "And": [{ "Variable": "$.a", "NumericGreaterThan": 1 }, { "Not": { "Variable": "$.b", "StringEquals": "x" } }], "Next": "Done" }`)), []);
  });

  it('needs exactly one comparison operator and a Variable', () => {
    const text = choice(`{ "Variable": "$.a", "NumericEquals": 1, "NumericLessThan": 2, "Next": "Done" }, { "StringEquals": "x", "Next": "Done" }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/choice-rule', text, '"NumericLessThan"'), ruleAt('asl/choice-rule', text, '{ "StringEquals"')]);
  });

  it('allows Next only at the top level', () => {
    const text = choice(`{ "Not": { "Variable": "$.a", "IsNull": true, "Next": "Done" }, "Next": "Done" }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/choice-rule', text, '"Next"')]);
  });

  it('checks comparison value types', () => {
    const text = choice(`{ "Variable": "$.a", "NumericEquals": "1", "Next": "Done" }, { "Variable": "$.b", "BooleanEquals": "true", "Next": "Done" }, { "Variable": "$.c", "TimestampEquals": "yesterday", "Next": "Done" }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/choice-rule', text, '"1"'), ruleAt('asl/choice-rule', text, '"true"'), ruleAt('asl/timestamp', text, '"yesterday"')]);
  });

  it('refuses Condition in a JSONPath state, and Variable in a JSONata state', () => {
    const jsonPath = choice(`{ "Condition": "{% true %}", "Next": "Done" }`);
    assert.ok(errorsOf(jsonPath).includes(ruleAt('asl/query-language', jsonPath, '"Condition"')));
    const jsonata = machine(`    "First": { "Type": "Choice", "QueryLanguage": "JSONata", "Choices": [{ "Variable": "$.a", "IsPresent": true, "Next": "Done" }] },\n    "Done": { "Type": "Succeed" }`);
    assert.deepEqual(errorsOf(jsonata), [ruleAt('asl/query-language', jsonata, '"Variable"'), ruleAt('asl/query-language', jsonata, '"IsPresent"'), ruleAt('asl/choice-rule', jsonata, '{ "Variable"')].sort(byPosition));
  });
});

describe('paths, payload templates and intrinsic functions', () => {
  const pass = (fields: string) => machine(`    "First": { "Type": "Pass", ${fields}, "End": true }`);

  it('checks the syntax of path fields', () => {
    const text = pass(`"InputPath": "payload", "OutputPath": "$.a[0", "ResultPath": "$$.x"`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/jsonpath', text, '"payload"'), ruleAt('asl/jsonpath', text, '"$.a[0"'), ruleAt('asl/jsonpath', text, '"$$.x"')]);
  });

  it('accepts paths AWS accepts: context, variables, brackets, filters', () => {
    assert.deepEqual(errorsOf(pass(`"InputPath": "$.a['b c'][0]", "OutputPath": null, "Parameters": { "x.$": "$$.Execution.Id", "y.$": "$myVar.field", "z.$": "$.items[?(@.n > 1)]", "w.$": "$.list[*].id" }`)), []);
  });

  it('refuses wildcards in reference paths such as ItemsPath', () => {
    const text = machine(`    "First": { "Type": "Map", "ItemsPath": "$.items[*]", "End": true, "ItemProcessor": { "StartAt": "I", "States": { "I": { "Type": "Succeed" } } } }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/jsonpath', text, '"$.items[*]"')]);
  });

  it('checks intrinsic functions and their argument counts', () => {
    const text = pass(`"Parameters": { "a.$": "States.Format('{} and {}', $.x)", "b.$": "States.UUID(1)", "c.$": "States.Nope($.x)", "d.$": "hello", "e.$": "States.MathAdd($.n, -1)", "f.$": "States.Array('a', States.UUID(), null, $.x)" }`);
    assert.deepEqual(errorsOf(text), [
      ruleAt('asl/intrinsic', text, '"States.Format'),
      ruleAt('asl/intrinsic', text, '"States.UUID(1)"'),
      ruleAt('asl/intrinsic', text, '"States.Nope'),
      ruleAt('asl/intrinsic', text, '"hello"'),
    ]);
  });

  it('refuses two fields that become the same after ".$" is stripped', () => {
    const text = pass(`"Parameters": { "a": 1, "a.$": "$.a" }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/payload-duplicate', text, '"a.$"')]);
  });
});

describe('query languages', () => {
  it('refuses JSONPath fields in JSONata states, and JSONata fields in JSONPath states', () => {
    const text = machine(`    "First": { "Type": "Pass", "QueryLanguage": "JSONata", "OutputPath": "$.a", "Next": "Second" },\n    "Second": { "Type": "Pass", "Output": "{% 1 %}", "End": true }`);
    assert.deepEqual(errorsOf(text), [ruleAt('asl/query-language', text, '"OutputPath"'), ruleAt('asl/query-language', text, '"Output"')]);
  });

  it('refuses a JSONPath state in a JSONata machine', () => {
    const text = machine(`    "First": { "Type": "Pass", "QueryLanguage": "JSONPath", "End": true }`, 'First', '"QueryLanguage": "JSONata",\n  ');
    assert.deepEqual(errorsOf(text), [ruleAt('asl/query-language', text, '"JSONPath"')]);
  });

  it('checks JSONata expressions with the jsonata parser', () => {
    const text = machine([
      `    "First": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": { "Payload": "{% $states.input.a + %}" }, "Next": "Second" },`,
      `    "Second": { "Type": "Pass", "Output": "{% $states.input", "Next": "Third" },`,
      `    "Third": { "Type": "Wait", "Seconds": "{% $states.input.wait %}", "End": true }`,
    ].join('\n'), 'First', '"QueryLanguage": "JSONata",\n  ');
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('jsonata/syntax', text, '"{% $states.input.a'), ruleAt('jsonata/syntax', text, '"{% $states.input"')]);
    assert.match(findings[0].message, /JSONata syntax error/);
    assert.match(findings[1].message, /must start with "\{%" and end with "%\}"/);
  });
});

function byPosition(a: string, b: string): number {
  const [lineA, columnA] = a.split('@')[1].split(':').map(Number);
  const [lineB, columnB] = b.split('@')[1].split(':').map(Number);
  return lineA - lineB || columnA - columnB;
}
