/** The sync record after an apply: which entries it holds, and when it is written. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlannedUpload, PrefixDecision } from '../../../src/scenarios/decide.ts';
import { nextRecord, recordNeedsWriting, sameEntries, type NextRecordInput } from '../../../src/scenarios/record.ts';
import type { ManifestEntry, SyncManifest } from '../../../src/scenarios/remote.ts';

const entry = (tag: string, extra: Partial<ManifestEntry> = {}): ManifestEntry => ({ etag: `etag-${tag}`, md5: tag.padEnd(32, '0'), size: tag.length, ...extra });
const record = (files: Record<string, ManifestEntry>): SyncManifest => ({ version: 1, prefix: 'base/', updatedAt: 'before', files: new Map(Object.entries(files)) });
const upload = (rel: string, artifact = false): PlannedUpload => ({ rel, path: `/model/scenarios/base/${rel}`, size: 1, reason: 'changed', artifact, planned: null });

function decision(overrides: Partial<PrefixDecision>): PrefixDecision {
  return { uploads: [], deletes: [], conflicts: [], unchanged: [], keptArtifacts: [], remoteOnly: [], carriedEntries: new Map(), ...overrides };
}

function input(overrides: Partial<NextRecordInput>): NextRecordInput {
  return {
    prefix: 'base/',
    previous: null,
    decision: decision({}),
    uploaded: new Map(),
    blobOf: () => undefined,
    commit: 'abc123',
    updatedAt: '2024-05-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('the next record', () => {
  test('holds the uploads that succeeded, the unchanged files and the entries carried over, sorted by path', () => {
    const next = nextRecord(
      input({
        decision: decision({
          uploads: [upload('c.csv')],
          unchanged: [{ rel: 'a.csv', entry: entry('a'), artifact: false }],
          carriedEntries: new Map([['b.csv', entry('b')]]),
        }),
        uploaded: new Map([['c.csv', entry('c')]]),
      }),
    );
    assert.deepEqual([...next.files], [
      ['a.csv', entry('a')],
      ['b.csv', entry('b')],
      ['c.csv', entry('c')],
    ]);
    assert.deepEqual({ ...next, files: undefined }, { version: 1, prefix: 'base/', commit: 'abc123', updatedAt: '2024-05-01T00:00:00.000Z', files: undefined });
  });

  test('an upload that did not happen keeps its previous entry, or has none', () => {
    const next = nextRecord(
      input({
        previous: record({ 'kept.csv': entry('old') }),
        decision: decision({ uploads: [upload('kept.csv'), upload('new.csv')] }),
      }),
    );
    assert.deepEqual([...next.files], [['kept.csv', entry('old')]]);
  });

  test('run artifacts are never recorded, written or unchanged', () => {
    const next = nextRecord(
      input({
        previous: record({ 'info.json': entry('old') }),
        decision: decision({ uploads: [upload('info.json', true)], unchanged: [{ rel: 'outputs/a.csv', entry: entry('a'), artifact: true }] }),
      }),
    );
    assert.equal(next.files.size, 0);
  });

  test('an unchanged file gets the git blob git knows of it, unless its entry has one already', () => {
    const next = nextRecord(
      input({
        decision: decision({
          unchanged: [
            { rel: 'a.csv', entry: entry('a'), artifact: false },
            { rel: 'b.csv', entry: entry('b', { blob: 'recorded' }), artifact: false },
          ],
        }),
        blobOf: (rel) => `git-${rel}`,
      }),
    );
    assert.equal(next.files.get('a.csv')?.blob, 'git-a.csv');
    assert.equal(next.files.get('b.csv')?.blob, 'recorded');
  });
});

describe('entries that say the same', () => {
  test('the same etag, md5, size and blob for every file', () => {
    assert.equal(sameEntries(new Map([['a', entry('a', { blob: 'x' })]]), new Map([['a', entry('a', { blob: 'x' })]])), true);
  });

  test('no record, another file, or any field that differs is not the same', () => {
    const a = new Map([['a', entry('a')]]);
    assert.equal(sameEntries(a, null), false);
    assert.equal(sameEntries(a, new Map([['b', entry('a')]])), false);
    assert.equal(sameEntries(a, new Map([['a', entry('a')], ['b', entry('b')]])), false);
    for (const change of [{ etag: 'other' }, { md5: 'f'.repeat(32) }, { size: 9 }, { blob: 'new' }]) {
      assert.equal(sameEntries(a, new Map([['a', entry('a', change)]])), false, JSON.stringify(change));
    }
  });
});

describe('when the record is written', () => {
  const done = { failures: [], notStarted: 0, changedAfterPlan: [] };
  const failed = { ...done, failures: [{ key: 'base/x.csv', error: 'reset' }] };
  const next = record({ 'a.csv': entry('a') });

  test('when it says something new', () => {
    assert.equal(recordNeedsWriting(record({ 'a.csv': entry('old') }), next, done), true);
    assert.equal(recordNeedsWriting(null, next, done), true);
  });

  test('not when it says what the previous one said (a rerun writes nothing)', () => {
    assert.equal(recordNeedsWriting(record({ 'a.csv': entry('a') }), next, done), false);
  });

  test('not on a first sync with nothing to record', () => {
    assert.equal(recordNeedsWriting(null, record({}), done), false);
  });

  test('not on a first sync that did not finish (failed or cancelled): its rerun is a first sync again', () => {
    assert.equal(recordNeedsWriting(null, next, failed), false);
    assert.equal(recordNeedsWriting(null, next, { ...done, notStarted: 2 }), false);
  });

  test('on a first sync that did not finish while someone wrote in between, so that their files are known as theirs', () => {
    assert.equal(recordNeedsWriting(null, next, { ...failed, changedAfterPlan: ['base/b.csv'] }), true);
  });

  test('on a later sync that did not finish: what was written is recorded', () => {
    assert.equal(recordNeedsWriting(record({ 'a.csv': entry('old') }), next, failed), true);
  });
});
