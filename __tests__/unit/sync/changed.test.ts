/** Changed files and clean blobs from a real git repository. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedFilesBetween, cleanTrackedBlobs } from '../../../src/sync/changed.ts';

const run = promisify(execFile);
let repo: string;
let model: string;
const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
const git = async (...args: string[]) => (await run('git', args, { cwd: repo, env })).stdout.trim();
let first: string;
let second: string;

before(async () => {
  repo = await mkdtemp(join(tmpdir(), 'changed-'));
  model = join(repo, 'models', 'paris');
  await mkdir(join(model, 'scenarios', 'base'), { recursive: true });
  await mkdir(join(model, 'scenarios', 'base 1'), { recursive: true });
  await writeFile(join(model, 'scenarios', 'base', 'a.csv'), 'a');
  await writeFile(join(model, 'scenarios', 'base 1', 'b.csv'), 'b');
  await writeFile(join(repo, 'README.md'), 'x');
  await git('init', '-q');
  await git('add', '.');
  await git('commit', '-qm', 'one');
  first = await git('rev-parse', 'HEAD');
  await writeFile(join(model, 'scenarios', 'base 1', 'b.csv'), 'B');
  await rm(join(model, 'scenarios', 'base', 'a.csv'));
  await writeFile(join(repo, 'README.md'), 'y');
  await git('add', '-A');
  await git('commit', '-qm', 'two');
  second = await git('rev-parse', 'HEAD');
});
after(async () => {
  await rm(repo, { recursive: true, force: true });
});

test('lists files changed under the model folder, relative to it, deletions included', async () => {
  assert.deepEqual((await changedFilesBetween(model, first, second))?.sort(), ['scenarios/base 1/b.csv', 'scenarios/base/a.csv']);
  assert.deepEqual((await changedFilesBetween(model, first, ''))?.sort(), ['scenarios/base 1/b.csv', 'scenarios/base/a.csv'], 'after defaults to HEAD');
});

test('cannot tell without a before commit, or with one the clone lacks', async () => {
  assert.equal(await changedFilesBetween(model, '0000000000000000000000000000000000000000', second), null);
  assert.equal(await changedFilesBetween(model, undefined, second), null);
  assert.equal(await changedFilesBetween(model, 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef', second), null);
  assert.equal(await changedFilesBetween(model, '--output=/tmp/x', second), null);
  assert.equal(await changedFilesBetween(tmpdir(), first, second), null);
});

test('clean tracked files have their blob ids; a modified one has none', async () => {
  const clean = await cleanTrackedBlobs(model);
  assert.equal(clean?.get('scenarios/base 1/b.csv'), await git('rev-parse', `HEAD:models/paris/scenarios/base 1/b.csv`));
  await writeFile(join(model, 'scenarios', 'base 1', 'b.csv'), 'C');
  const dirty = await cleanTrackedBlobs(model);
  assert.equal(dirty?.has('scenarios/base 1/b.csv'), false);
  assert.equal(await cleanTrackedBlobs(tmpdir()), null);
});
