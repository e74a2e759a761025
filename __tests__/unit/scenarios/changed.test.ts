/** Changed files and clean blobs from a real git repository. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanTrackedBlobs, ignoredByGit, indexedFileState, parseIndexListing } from '../../../src/scenarios/changed.ts';
import { changedFilesBetween } from '../../../src/ground/git.ts';

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

test('a file rewritten with its old size and mtime is not clean (its ctime moved)', async () => {
  await git('add', '-A');
  await git('commit', '-qm', 'three');
  const file = join(model, 'scenarios', 'base 1', 'b.csv');
  const reference = join(repo, 'times-of-b');
  await run('touch', ['-r', file, reference]); // the exact times, to the nanosecond
  assert.equal((await cleanTrackedBlobs(model))?.has('scenarios/base 1/b.csv'), true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await writeFile(file, 'D');
  await run('touch', ['-r', reference, file]);
  assert.equal((await stat(file, { bigint: true })).mtimeNs, (await stat(reference, { bigint: true })).mtimeNs);
  await rm(reference);
  assert.equal((await cleanTrackedBlobs(model))?.has('scenarios/base 1/b.csv'), false);
  await git('add', '-A');
  await git('commit', '-qm', 'four');
});

test('files modified after the index was written are left to git, which compares their content', async () => {
  const index = join(repo, '.git', 'index');
  const written = await stat(index);
  // Every entry is now newer than the index: "racily clean", as right after a checkout for git.
  await utimes(index, written.atime, new Date(written.mtimeMs - 3_600_000));
  try {
    const clean = await cleanTrackedBlobs(model);
    assert.equal(clean?.get('scenarios/base 1/b.csv'), await git('rev-parse', 'HEAD:models/paris/scenarios/base 1/b.csv'));
  } finally {
    await utimes(index, written.atime, written.mtime);
  }
});

test('reads the index listing, and refuses one in another form', () => {
  const blob = 'b'.repeat(40);
  const record = (mode: string, path: string) =>
    `${mode} ${blob} 0\t${path}\0  ctime: 1700000000:5\n  mtime: 1700000001:6\n  dev: 2049\tino: 77\n  uid: 0\tgid: 0\n  size: 12\tflags: 0\n`;
  const entries = parseIndexListing(record('100644', 'scenarios/base/a b.csv') + record('120000', 'link') + record('100755', 'run.sh'));
  assert.deepEqual(
    entries?.map((entry) => [entry.path, entry.blob, entry.mtime, entry.ino, entry.size]),
    [
      ['scenarios/base/a b.csv', blob, [1700000001n, 6n], 77n, 12n],
      ['run.sh', blob, [1700000001n, 6n], 77n, 12n],
    ],
  );
  assert.equal(parseIndexListing(`100644 ${blob} 0\tx.csv\0  ctime: 1:2\n`), null);
  assert.deepEqual(parseIndexListing(''), []);
});

test('a file is clean only when its stat is the recorded one and it is older than the index', () => {
  const entry = { ctime: [1700000000n, 5n] as [bigint, bigint], mtime: [1700000001n, 6n] as [bigint, bigint], ino: 77n, size: 12n };
  const file = { size: 12n, ino: 77n, ctimeNs: 1700000000_000000005n, mtimeNs: 1700000001_000000006n };
  assert.equal(indexedFileState(entry, file, 1700000001_000000007n), 'clean');
  assert.equal(indexedFileState(entry, file, 1700000001_000000006n), 'racy', 'written in the tick the index was: content decides');
  assert.equal(indexedFileState(entry, file, 1700000001_000000000n), 'racy', 'same second: git would say racy too');
  assert.equal(indexedFileState(entry, { ...file, mtimeNs: file.mtimeNs + 1n }, 1800000000_000000000n), 'modified');
  assert.equal(indexedFileState(entry, { ...file, ctimeNs: file.ctimeNs + 1n }, 1800000000_000000000n), 'modified');
  assert.equal(indexedFileState(entry, { ...file, size: 13n }, 1800000000_000000000n), 'modified');
  assert.equal(indexedFileState(entry, { ...file, ino: 78n }, 1800000000_000000000n), 'modified');
  // The index keeps the low 32 bits of sizes and inodes.
  assert.equal(indexedFileState({ ...entry, size: 12n, ino: 77n }, { ...file, size: 12n + (1n << 32n), ino: 77n + (5n << 32n) }, 1800000000_000000000n), 'clean');
});

test('git says which paths its ignore rules exclude: nested .gitignore files, absent paths, odd names; a tracked file never', async () => {
  await writeFile(join(repo, '.gitignore'), '*.log\n');
  await writeFile(join(model, '.gitignore'), 'scratch/\n');
  await writeFile(join(model, 'tracked.log'), 'kept');
  await git('add', '-f', 'models/paris/tracked.log');
  const ignored = await ignoredByGit(model, '', ['scenarios/base/run.log', 'scratch/x.csv', 'scenarios/base/a.csv', 'tracked.log', 'line\nbreak.log', 'never/there.log']);
  assert.deepEqual([...ignored].sort(), ['line\nbreak.log', 'never/there.log', 'scenarios/base/run.log', 'scratch/x.csv']);
  assert.deepEqual(await ignoredByGit(model, '', []), new Set());
  assert.deepEqual(await ignoredByGit(await mkdtemp(join(tmpdir(), 'not-a-repo-')), '', ['x.log']), new Set(), 'outside a work tree git cannot tell');
});
