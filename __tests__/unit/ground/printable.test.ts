/** Foreign text never becomes a workflow command, a terminal escape, nor a second line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outputLines, printable } from '../../../src/ground/printable.ts';

test('printable makes one line: control characters, line separators and bidi overrides become escapes; a tab stays', () => {
  assert.equal(printable('a\nb\rc\u001b[31md\u0000e\u007f\u0085\u2028\u202ef\tg'), 'a\\nb\\rc\\e[31md\\x00e\\x7f\\x85\\u2028\\u202ef\tg');
  assert.equal(printable('plain text, é, 日本, 🚆'), 'plain text, é, 日本, 🚆');
});

test('no output line can start a workflow command, whatever leads it', () => {
  for (const forged of ['::warning::forged', '  ::add-mask::x', '\t::stop-commands::t', '\u00a0::error::x']) {
    for (const line of outputLines(forged)) assert.doesNotMatch(line.trimStart(), /^::/, JSON.stringify(forged));
  }
  assert.deepEqual(outputLines('::set-output name=x::y'), ['\\x3a:set-output name=x::y']);
});

test('the legacy ##[command] form is defused wherever it stands in a line', () => {
  assert.deepEqual(outputLines('key base/x ##[add-mask]secret and ##[set-env name=A]b'), ['key base/x #\\x23[add-mask]secret and #\\x23[set-env name=A]b']);
});

test('a line feed of the message starts a line, which is neutralised like the first', () => {
  assert.deepEqual(outputLines('To delete:\n  base/x\r::warning::y\n::error::z'), ['To delete:', '  base/x\\r::warning::y', '\\x3a:error::z']);
});
