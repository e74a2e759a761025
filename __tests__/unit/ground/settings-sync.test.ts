import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSyncOptions, RUN_ARTIFACT_GLOBS } from '../../../src/ground/settings/sync.ts';

const parse = (inputs: Record<string, string>) => parseSyncOptions((name) => inputs[name] ?? '');

test('defaults: changed scenarios, nothing deleted, locked skipped, conflicts fail', () => {
  assert.deepEqual(parse({}), {
    scenarios: { kind: 'changed' },
    deleteRemoved: false,
    keep: [...RUN_ARTIFACT_GLOBS],
    locked: 'skip',
    onConflict: 'fail',
    uploadConcurrency: 16,
    docsFolder: 'docs',
  });
});

test('scenario names are separated by commas or newlines, trimmed and deduplicated', () => {
  assert.deepEqual(parse({ scenarios: 'base, base 1\nscenario_2\n\nbase' }).scenarios, { kind: 'names', names: ['base', 'base 1', 'scenario_2'] });
  assert.deepEqual(parse({ scenarios: 'ALL' }).scenarios, { kind: 'all' });
  assert.deepEqual(parse({ scenarios: 'none' }).scenarios, { kind: 'none' });
});

test('unsafe scenario names are refused with the reason', () => {
  assert.throws(() => parse({ scenarios: '../x' }), /"\.\.\/x" is refused because it contains "\/"/);
  assert.throws(() => parse({ scenarios: '..' }), /contains "\.\."/);
  assert.throws(() => parse({ scenarios: '.lock' }), /starts with "\."/);
  assert.throws(() => parse({ scenarios: 'a\u0000b' }), /control character/);
  assert.throws(() => parse({ scenarios: '_common' }), /model-wide files/);
});

test('bad values name the input and what it accepts', () => {
  assert.throws(() => parse({ 'delete-removed': 'yes' }), /Input "delete-removed": "yes" is not a boolean/);
  assert.throws(() => parse({ locked: 'ignore' }), /Input "locked": "ignore" is not one of skip, fail, overwrite/);
  assert.throws(() => parse({ 'on-conflict': 'merge' }), /Input "on-conflict"/);
  assert.throws(() => parse({ 'upload-concurrency': '0' }), /Input "upload-concurrency"/);
  assert.throws(() => parse({ 'upload-concurrency': '2.5' }), /Input "upload-concurrency"/);
  assert.throws(() => parse({ keep: '../other/**' }), /Input "keep"/);
  assert.throws(() => parse({ 'docs-folder': '../docs' }), /Input "docs-folder"/);
});

test('keep adds globs to the run artifacts; booleans and numbers parse', () => {
  const options = parse({ keep: 'results/**, *.parquet', 'delete-removed': 'TRUE', 'upload-concurrency': '4', 'docs-folder': 'doc/site/' });
  assert.deepEqual(options.keep, [...RUN_ARTIFACT_GLOBS, 'results/**', '*.parquet']);
  assert.equal(options.deleteRemoved, true);
  assert.equal(options.uploadConcurrency, 4);
  assert.equal(options.docsFolder, 'doc/site');
});
