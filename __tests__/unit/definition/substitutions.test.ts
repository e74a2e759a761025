import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BUILTIN_SUBSTITUTIONS, substituteDefinition } from '../../../src/validate/definition/index.ts';
import { machine, ruleAt, validate, where } from './helpers.ts';

describe('substituteDefinition', () => {
  it('fills known placeholders, inside strings too, and lists the unknown ones once', () => {
    const text = '{"Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Fn}", "Other": "${Fn}", "Model": "${ModelName}"}';
    const result = substituteDefinition(text, { Region: 'eu-west-3', AccountId: '123456789012', ModelName: 'quetzal-paris' });
    assert.equal(result.text, '{"Resource": "arn:aws:lambda:eu-west-3:123456789012:function:${Fn}", "Other": "${Fn}", "Model": "quetzal-paris"}');
    assert.deepEqual(result.missing, ['Fn']);
  });

  it('escapes values placed inside JSON strings, and inserts them raw outside strings', () => {
    const result = substituteDefinition('{"a": "${Quote}", "n": ${Count}}', { Quote: 'say "hi"\\', Count: '3' });
    assert.equal(result.text, '{"a": "say \\"hi\\"\\\\", "n": 3}');
    assert.deepEqual(JSON.parse(result.text), { a: 'say "hi"\\', n: 3 });
  });

  it('leaves a text without placeholders untouched', () => {
    assert.deepEqual(substituteDefinition('{"a": "$.b"}', {}), { text: '{"a": "$.b"}', missing: [] });
  });

  it('exports the built-in names', () => {
    assert.deepEqual([...BUILTIN_SUBSTITUTIONS], ['AccountId', 'Region', 'ModelName', 'LambdaFunctionArn', 'BucketName']);
  });
});

describe('placeholders in a definition', () => {
  const text = machine(`    "First": { "Type": "Task", "Resource": "arn:aws:lambda:\${Region}:\${AccountId}:function:\${Other}", "End": true }`);

  it('warns at the exact column of an unknown placeholder', () => {
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('substitution/unknown', text, '${Other}')]);
    assert.equal(findings[0].severity, 'warning');
    assert.match(findings[0].message, /"definition-substitutions"/);
  });

  it('says nothing when the user gives the name', () => {
    assert.deepEqual(validate(text, { substitutions: new Set([...BUILTIN_SUBSTITUTIONS, 'Other']) }), []);
  });
});
