/** The sync at scale (10,000 files) and with git telling which files are unmodified. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { silentLogger } from '../../../src/ground/logger.ts';
import { ScenarioSyncStep } from '../../../src/scenarios/index.ts';
import { bind, bucketContents, makeModel, newBucket, syncContext, useMoto } from './moto.ts';

const PORT = 5212;
let s3: S3Client;
const folders = useMoto(PORT, (started) => ({ s3 } = started));

/** The step (git asked) with the context of one deploy. */
const step = (bucket: string, modelFolder: string, inputs: Record<string, string> = {}) =>
  bind(new ScenarioSyncStep({ retry: { attempts: 3, firstDelayMs: 50 } }), syncContext(s3, { bucket, modelFolder, inputs, logger: silentLogger }));

test('10,000 small files: plan, apply, and a re-plan that finds nothing to do', async () => {
  const folder = await makeModel({});
  folders.push(folder);
  for (let dir = 0; dir < 100; dir += 1) {
    const path = join(folder, 'scenarios', 'base', 'inputs', `zone_${dir}`);
    await mkdir(path, { recursive: true });
    await Promise.all(Array.from({ length: 100 }, (_, i) => writeFile(join(path, `f${i}.csv`), `zone,${dir},${i}\n`)));
  }
  const bucket = await newBucket(s3, 'tenk');
  const sync = step(bucket, folder, { 'upload-concurrency': '32' });
  const plan = await sync.plan();
  assert.equal(plan.targets[0].decision?.uploads.length, 10_000);
  const outcome = await sync.apply(plan);
  assert.equal(sync.report(plan, outcome).outputs['files-uploaded'], '10000');
  const replan = await step(bucket, folder).plan();
  assert.equal(replan.targets[0].decision?.uploads.length, 0);
  assert.equal(replan.targets[0].decision?.unchanged.length, 10_000);
});

test('in a git checkout, a fresh clone uploads nothing and committed or uncommitted same-size edits upload', async () => {
  const run = promisify(execFile);
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
  const repo = await makeModel({ 'scenarios/base/inputs/a.csv': 'aaa', 'scenarios/base/inputs/b.csv': 'bbb', 'docs/x.md': 'x' });
  folders.push(repo);
  const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env });
  await git(repo, 'init', '-q');
  await git(repo, 'add', '.');
  await git(repo, 'commit', '-qm', 'one');
  const bucket = await newBucket(s3, 'git');
  await step(bucket, repo).apply(await step(bucket, repo).plan());

  const clone = `${repo}-clone`;
  folders.push(clone);
  await git(repo, 'clone', '-q', repo, clone);
  const fresh = await step(bucket, clone).plan();
  assert.deepEqual(fresh.targets.map((t) => t.decision?.uploads.length), [0, 0]);

  await writeFile(join(clone, 'scenarios/base/inputs/a.csv'), 'AAA');
  await git(clone, 'commit', '-qam', 'edit');
  await writeFile(join(clone, 'scenarios/base/inputs/b.csv'), 'BBB'); // not committed
  const s = step(bucket, clone);
  const editedPlan = await s.plan();
  const outcome = await s.apply(editedPlan);
  assert.equal(s.report(editedPlan, outcome).outputs['files-uploaded'], '2');
  const contents = await bucketContents(s3, bucket, 'base/');
  assert.equal(contents.get('base/inputs/a.csv'), 'AAA');
  assert.equal(contents.get('base/inputs/b.csv'), 'BBB');
});
