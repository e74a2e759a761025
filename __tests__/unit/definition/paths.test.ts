import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { checkDynamicValue, checkPath } from '../../../src/validate/definition/paths.ts';

describe('JSONPath syntax', () => {
  for (const path of ['$', '$.a', '$.a.b[0]', "$['a b']", '$.a[-1:]', '$..name', '$.a[*].b', '$$.Execution.Id', '$var', '$var.field[2]', '$.store\\.book', '$.[0]']) {
    it(`accepts ${path}`, () => assert.equal(checkPath(path, 'path'), undefined));
  }
  for (const [path, reason] of [['a.b', /starts with "\$"/], ['$.', /field name is missing/], ['$.a[0', /never closed/], ['$.a[]', /empty/], ['$a b', /unexpected " "/]] as const) {
    it(`refuses ${path}`, () => assert.match(checkPath(path, 'path') ?? '', reason));
  }
  it('keeps reference paths to a single value', () => {
    for (const path of ['$.a[*]', '$..a', '$.a[0,1]', '$.a[1:2]', '$.a[?(@.b)]']) assert.match(checkPath(path, 'reference') ?? '', /Reference Path/, path);
    assert.equal(checkPath("$.a['b'][3]", 'reference'), undefined);
  });
  it('forbids ResultPath into the context object', () => {
    assert.match(checkPath('$$.Execution', 'result') ?? '', /may not start with "\$\$"/);
  });
});

describe('intrinsic functions', () => {
  for (const call of [
    "States.Format('Hello {}, {}', $.a, $$.Execution.Id)",
    "States.Format('a \\{literal\\} {}', $.a)",
    'States.Array()',
    'States.StringToJson($.s)',
    'States.JsonMerge($.a, $.b, false)',
    'States.MathRandom(1, 9)',
    'States.MathAdd(States.ArrayLength($.list), -1)',
    "States.Hash($.data, 'SHA-256')",
    'States.UUID()',
    'States.ArrayGetItem($.list, $.index)',
  ]) {
    it(`accepts ${call}`, () => assert.equal(checkDynamicValue(call), undefined));
  }
  for (const [call, reason] of [
    ['States.UUID($.a)', /takes 0 arguments, not 1/],
    ['States.ArrayRange(1, 2)', /takes 3 arguments, not 2/],
    ['States.MathRandom(1)', /takes 2 to 3 arguments/],
    ["States.Format('{} {}', $.a)", /2 "\{\}" in its template but 1/],
    ['States.Unknown()', /unknown intrinsic function/],
    ["States.Format('x\\n')", /open escape/],
    ['States.Array($.a', /expected "," or "\)"/],
    ['States.Array(foo)', /unexpected "f"/],
    ['plain text', /neither a path/],
  ] as const) {
    it(`refuses ${call}`, () => assert.match(checkDynamicValue(call)?.message ?? '', reason));
  }
});
