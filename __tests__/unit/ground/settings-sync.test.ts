import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOCAL_CLUTTER_GLOBS, parseSyncSettings, RUN_ARTIFACT_GLOBS } from '../../../src/ground/settings/sync.ts';

const parse = (inputs: Record<string, string>) => parseSyncSettings((name) => inputs[name] ?? '');

test('defaults: changed scenarios, nothing deleted, locked skipped, conflicts fail', () => {
  assert.deepEqual(parse({}), {
    scenarios: { kind: 'changed' },
    deleteRemoved: false,
    keep: [...RUN_ARTIFACT_GLOBS],
    exclude: [...LOCAL_CLUTTER_GLOBS],
    locked: 'skip',
    onConflict: 'fail',
    uploadConcurrency: 16,
  });
});

test('scenario names are separated by commas or newlines, trimmed and deduplicated', () => {
  assert.deepEqual(parse({ scenarios: 'base, base 1\nscenario_2\n\nbase' }).scenarios, { kind: 'names', names: ['base', 'base 1', 'scenario_2'] });
  assert.deepEqual(parse({ scenarios: 'ALL' }).scenarios, { kind: 'all' });
  assert.deepEqual(parse({ scenarios: 'none' }).scenarios, { kind: 'none' });
});

test('unsafe scenario names are refused with the reason', () => {
  assert.throws(() => parse({ scenarios: '../x' }), /Input `scenarios` is "\.\.\/x", which names the scenario "\.\.\/x", refused because it contains "\/" .*: use changed, all, none, or names of folders/);
  assert.throws(() => parse({ scenarios: '..' }), /contains "\.\."/);
  assert.throws(() => parse({ scenarios: '.lock' }), /starts with "\."/);
  assert.throws(() => parse({ scenarios: 'a\u0000b' }), /control character/);
  assert.throws(() => parse({ scenarios: '_common' }), /model-wide files/);
});

test('bad values name the input and what it accepts', () => {
  assert.throws(() => parse({ 'delete-removed': 'yes' }), /Input `delete-removed` is "yes": use true or false\.$/);
  assert.throws(() => parse({ locked: 'ignore' }), /Input `locked` is "ignore": use one of skip, fail, overwrite\.$/);
  assert.throws(() => parse({ 'on-conflict': 'merge' }), /Input `on-conflict` is "merge": use one of fail, skip, overwrite\.$/);
  assert.throws(() => parse({ 'upload-concurrency': '0' }), /Input `upload-concurrency` is "0": use a whole number from 1 to 64 \(default 16\)\.$/);
  assert.throws(() => parse({ 'upload-concurrency': '2.5' }), /Input `upload-concurrency` is "2\.5": use a whole number from 1 to 64/);
  assert.throws(() => parse({ keep: 'a/**, ../other/**' }), /Input `keep` is "a\/\*\*, \.\.\/other\/\*\*", which has the glob "\.\.\/other\/\*\*": give globs relative to a scenario folder/);
});

test('keep adds globs to the run artifacts; booleans and numbers parse', () => {
  const options = parse({ keep: 'results/**, *.parquet', 'delete-removed': 'TRUE', 'upload-concurrency': '4' });
  assert.deepEqual(options.keep, [...RUN_ARTIFACT_GLOBS, 'results/**', '*.parquet']);
  assert.equal(options.deleteRemoved, true);
  assert.equal(options.uploadConcurrency, 4);
});

test('exclude adds globs to the local clutter never uploaded, checked as keep is', () => {
  assert.deepEqual(parse({ exclude: '**/*.tmp\nscratch/**' }).exclude, [...LOCAL_CLUTTER_GLOBS, '**/*.tmp', 'scratch/**']);
  assert.throws(() => parse({ exclude: '/abs/**' }), /Input `exclude` is "\/abs\/\*\*", which has the glob "\/abs\/\*\*": give globs relative to a scenario folder \(e\.g\. \*\*\/\*\.tmp\)/);
});
