/** The job summary shows foreign names as the characters they hold. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdCode, mdFence, mdRow, mdText } from '../../../src/ground/markdown.ts';

test('text: HTML, images, links and code spans are escaped, one line', () => {
  assert.equal(mdText('<img src=x onerror=alert(1)>'), '\\<img src=x onerror=alert(1)\\>');
  assert.equal(mdText('![pixel](https://t.example/p.png) [click](javascript:x) `code` a&amp; AWS_BUCKET_NAME'), '!\\[pixel\\](https://t.example/p.png) \\[click\\](javascript:x) \\`code\\` a\\&amp; AWS_BUCKET_NAME');
  assert.equal(mdText('line\r\nbreak'), 'line\\\\r\\\\nbreak', 'the escapes are shown as typed: \\\\r renders \\r');
});

test('a code span is fenced by more backticks than it holds, and padded when it starts or ends with one', () => {
  assert.equal(mdCode('plain'), '`plain`');
  assert.equal(mdCode('a`b'), '``a`b``');
  assert.equal(mdCode('`x``'), '``` `x`` ```');
  assert.equal(mdCode('a\nb'), '`a\\nb`');
});

test('a table row escapes every pipe, inside code spans too, so no cell adds a column', () => {
  const row = mdRow([mdCode('a|b'), mdText('c|d'), 'e']);
  assert.equal(row, '| `a\\|b` | c\\|d | e |');
  assert.equal(row.split(/(?<!\\)\|/).length - 2, 3, 'three cells');
  assert.equal(mdRow([mdText('x\ry')]), '| x\\\\ry |', 'a lone carriage return cannot end the row');
});

test('a fenced block cannot be closed by its content', () => {
  const block = mdFence('diff', ['+ "Comment": "```"', '- ````']);
  assert.equal(block.split('\n')[0], '`````diff');
  assert.equal(block.split('\n').at(-1), '`````');
});
