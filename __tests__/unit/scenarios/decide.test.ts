/** The per-file decisions, on states that are tedious to build in a bucket. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decidePrefix, type DecideInput, type HashedFile } from '../../../src/scenarios/decide.ts';
import { hashBuffer } from '../../../src/scenarios/etag.ts';
import type { RemoteObject, SyncManifest } from '../../../src/scenarios/remote.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const local = (rel: string, text: string): HashedFile => ({ rel, path: `/model/${rel}`, size: text.length, hashes: hashBuffer(Buffer.from(text)) });
const remote = (rel: string, text: string, etag = md5(text)): RemoteObject => ({ rel, etag, size: text.length });
const manifest = (files: Record<string, string>): SyncManifest => ({
  version: 1,
  prefix: 'scen/',
  updatedAt: '',
  files: new Map(Object.entries(files).map(([rel, text]) => [rel, { etag: md5(text), md5: md5(text), size: text.length }])),
});

function input(overrides: Partial<DecideInput>): DecideInput {
  return {
    local: [],
    remote: new Map(),
    manifest: null,
    deleteRemoved: false,
    isArtifact: (rel) => rel.startsWith('outputs/'),
    isManaged: () => true,
    readMetadata: async () => null,
    ...overrides,
  };
}
const remoteMap = (...objects: RemoteObject[]) => new Map(objects.map((o) => [o.rel, o]));

test('an object the action recorded and the repository changed is uploaded', async () => {
  const d = await decidePrefix(input({ local: [local('a.csv', 'new')], remote: remoteMap(remote('a.csv', 'old')), manifest: manifest({ 'a.csv': 'old' }) }));
  assert.deepEqual(d.uploads.map((u) => [u.rel, u.reason]), [['a.csv', 'changed']]);
  assert.equal(d.conflicts.length, 0);
});

test('an object changed outside the action since it was recorded is a conflict, unless it now equals the local file', async () => {
  const changed = await decidePrefix(input({ local: [local('a.csv', 'repo')], remote: remoteMap(remote('a.csv', 'web')), manifest: manifest({ 'a.csv': 'old' }) }));
  assert.deepEqual(changed.conflicts.map((c) => c.rel), ['a.csv']);
  assert.match(changed.conflicts[0].reason, /since the action last wrote it/);
  const converged = await decidePrefix(input({ local: [local('a.csv', 'same')], remote: remoteMap(remote('a.csv', 'same')), manifest: manifest({ 'a.csv': 'old' }) }));
  assert.equal(converged.conflicts.length, 0);
  assert.equal(converged.unchanged.length, 1);
});

test('an object of an interrupted run (action metadata, no record yet) is the action\'s', async () => {
  let heads = 0;
  const d = await decidePrefix(
    input({
      local: [local('a.csv', 'newer')],
      remote: remoteMap(remote('a.csv', 'interrupted')),
      manifest: manifest({ 'a.csv': 'old' }),
      readMetadata: async () => {
        heads += 1;
        return { md5: md5('interrupted'), etag: md5('interrupted') };
      },
    }),
  );
  assert.deepEqual(d.uploads.map((u) => u.reason), ['changed']);
  assert.equal(heads, 1);
});

test('the first deploy replaces differing objects of the old scripts and deletes only when asked', async () => {
  const d = await decidePrefix(
    input({ local: [local('a.csv', 'repo')], remote: remoteMap(remote('a.csv', 'old script'), remote('stale.csv', 'x'), remote('outputs/r.csv', 'run')), deleteRemoved: true }),
  );
  assert.deepEqual(d.uploads.map((u) => [u.rel, u.reason]), [['a.csv', 'replaces-unrecorded']]);
  assert.deepEqual(d.deletes.map((x) => x.rel), ['stale.csv']);
  assert.deepEqual(d.remoteOnly, ['outputs/r.csv']);
});

test('with a record, an unrecorded remote file is not deleted but reported', async () => {
  const d = await decidePrefix(input({ local: [local('a.csv', 'x')], remote: remoteMap(remote('a.csv', 'x'), remote('web.csv', 'y')), manifest: manifest({ 'a.csv': 'x' }), deleteRemoved: true }));
  assert.deepEqual(d.deletes, []);
  assert.deepEqual(d.conflicts.map((c) => [c.rel, c.wanted]), [['web.csv', 'delete']]);
});

test('an ETag that cannot decide falls back to the action metadata, then counts as different', async () => {
  const text = 'content';
  const odd: RemoteObject = { rel: 'a.bin', etag: 'ffffffffffffffffffffffffffffffff-2', size: text.length };
  const withMeta = await decidePrefix(input({ local: [local('a.bin', text)], remote: remoteMap(odd), readMetadata: async () => ({ md5: md5(text), etag: odd.etag }) }));
  assert.equal(withMeta.unchanged.length, 1);
  const without = await decidePrefix(input({ local: [local('a.bin', text)], remote: remoteMap(odd) }));
  assert.equal(without.uploads.length, 1);
});

test('a file whose remote copy has another size is uploaded without being hashed', async () => {
  const file: HashedFile = { rel: 'a.csv', path: '/x', size: 5, hashes: null };
  const d = await decidePrefix(input({ local: [file], remote: remoteMap(remote('a.csv', 'longer content')), manifest: manifest({ 'a.csv': 'longer content' }) }));
  assert.deepEqual(d.uploads.map((u) => [u.rel, u.md5]), [['a.csv', undefined]]);
});
