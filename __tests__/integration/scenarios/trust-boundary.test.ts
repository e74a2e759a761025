/**
 * The sync against hostile input, on a real S3 emulator: links in the repository, writes in the bucket between the
 * plan and the apply, a damaged record, file names that are JavaScript's own member names.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../../src/ground/logger.ts';
import { DeployError } from '../../../src/ground/errors.ts';
import { ScenarioSyncStep, SyncError } from '../../../src/scenarios/index.ts';
import { bind, bucketContents, makeModel, newBucket, putForeign, removeDir, syncContext, useMoto } from './moto.ts';

const PORT = 5213;
let s3: S3Client;
const folders = useMoto(PORT, (started) => ({ s3 } = started));

function captureLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => {}, warning: (message) => warnings.push(message), debug: () => {}, secret: () => {}, group: (_title, task) => task() };
}

async function model(files: Record<string, string>): Promise<string> {
  const folder = await makeModel(files);
  folders.push(folder);
  return folder;
}

/** The step (git not asked) with the context of one deploy. */
function step(bucket: string, modelFolder: string, inputs: Record<string, string> = {}, logger: Logger = captureLogger()) {
  const context = syncContext(s3, { bucket, modelFolder, inputs, logger });
  return bind(new ScenarioSyncStep({ retry: { attempts: 2, firstDelayMs: 10 }, useGit: false }), context);
}

async function sync(bucket: string, modelFolder: string, inputs: Record<string, string> = {}) {
  const s = step(bucket, modelFolder, inputs);
  return s.apply(await s.plan());
}

async function text(bucket: string, key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

describe('links in the repository are never followed', () => {
  test('a link to the checkout\'s .git/config stops the sync before any write', async () => {
    const folder = await model({ 'scenarios/base/a.csv': 'a', '.git/config': '[http] extraheader = AUTHORIZATION: basic c2VjcmV0' });
    await symlink('../../.git/config', join(folder, 'scenarios', 'base', 'notes.txt'));
    const bucket = await newBucket(s3, 'link-file');
    await assert.rejects(step(bucket, folder).plan(), (error: Error) => {
      assert.ok(error instanceof DeployError);
      assert.match(error.message, /notes\.txt is a symbolic link/);
      return true;
    });
    assert.deepEqual([...(await bucketContents(s3, bucket)).keys()], [], 'nothing written');
  });

  test('a scenario folder, a folder inside one, the docs folder and steps.json as links are refused', async () => {
    const outside = await model({ 'secret.txt': 'runner secret' });
    const cases: Array<[string, (folder: string) => Promise<void>]> = [
      ['scenario folder', (folder) => symlink(outside, join(folder, 'scenarios', 'linked'))],
      ['folder inside a scenario', (folder) => symlink(outside, join(folder, 'scenarios', 'base', 'inputs'))],
      ['docs folder', (folder) => symlink(outside, join(folder, 'docs'))],
      ['steps.json', (folder) => symlink(join(outside, 'secret.txt'), join(folder, 'steps.json'))],
    ];
    for (const [label, link] of cases) {
      const folder = await model({ 'scenarios/base/a.csv': 'a' });
      await link(folder);
      const bucket = await newBucket(s3, 'link-dir');
      await assert.rejects(step(bucket, folder, { scenarios: 'all' }).plan(), /symbolic link/, label);
      assert.equal((await bucketContents(s3, bucket)).size, 0, `${label}: nothing written`);
    }
  });

  test('nothing under a .git folder is uploaded; a file name with a control character is refused', async () => {
    const folder = await model({ 'scenarios/base/a.csv': 'a', 'scenarios/base/vendored/.git/config': 'token', 'scenarios/base/.git/HEAD': 'ref' });
    const bucket = await newBucket(s3, 'dot-git');
    await sync(bucket, folder, { scenarios: 'all' });
    assert.deepEqual([...(await bucketContents(s3, bucket)).keys()].filter((key) => !key.startsWith('_common/')), ['base/a.csv']);

    await writeFile(join(folder, 'scenarios', 'base', 'x\n::warning::forged'), 'x');
    await assert.rejects(step(bucket, folder, { scenarios: 'all' }).plan(), /control character/);
  });
});

describe('every write is conditional on what the plan saw', () => {
  test('an object replaced, created or edited in the bucket after the plan is left as it is, and the sync fails naming it', async () => {
    const folder = await model({ 'scenarios/base/edited.csv': 'v1', 'scenarios/base/created.csv': 'repo', 'scenarios/base/gone.csv': 'x' });
    const bucket = await newBucket(s3, 'race');
    await sync(bucket, folder);
    await writeFile(join(folder, 'scenarios', 'base', 'edited.csv'), 'v2');
    await writeFile(join(folder, 'scenarios', 'base', 'new.csv'), 'repo new');
    await removeDir(join(folder, 'scenarios', 'base', 'gone.csv'));

    const s = step(bucket, folder, { 'delete-removed': 'true' });
    const plan = await s.plan();
    // A web-app user saves three files while the deploy builds its image.
    await putForeign(s3, bucket, 'base/edited.csv', 'web edit');
    await putForeign(s3, bucket, 'base/new.csv', 'web new');
    await putForeign(s3, bucket, 'base/gone.csv', 'web keeps this');

    await assert.rejects(s.apply(plan), (error: Error) => {
      assert.ok(error instanceof SyncError);
      assert.match(error.message, /3 file\(s\) of base\/ changed in the bucket after the plan/);
      for (const key of ['base/edited.csv', 'base/new.csv', 'base/gone.csv']) assert.match(error.message, new RegExp(key.replace('.', '\\.')));
      assert.equal(error.outcome.targets[0].status, 'conflict');
      return true;
    });
    assert.equal(await text(bucket, 'base/edited.csv'), 'web edit');
    assert.equal(await text(bucket, 'base/new.csv'), 'web new');
    assert.equal(await text(bucket, 'base/gone.csv'), 'web keeps this');

    // The next deploy sees them as changed outside the action: a conflict again, not an overwrite.
    await assert.rejects(sync(bucket, folder, { 'delete-removed': 'true' }), /changed outside the action/);
    assert.equal(await text(bucket, 'base/edited.csv'), 'web edit');
  });

  test('on-conflict: skip leaves the late edit and succeeds; on-conflict: overwrite writes the repository version', async () => {
    const folder = await model({ 'scenarios/base/a.csv': 'v1' });
    const bucket = await newBucket(s3, 'race-policy');
    await sync(bucket, folder);
    await writeFile(join(folder, 'scenarios', 'base', 'a.csv'), 'v2');

    const logger = captureLogger();
    const skipping = step(bucket, folder, { 'on-conflict': 'skip' }, logger);
    const plan = await skipping.plan();
    await putForeign(s3, bucket, 'base/a.csv', 'web');
    const outcome = await skipping.apply(plan);
    assert.equal(outcome.targets[0].uploaded, 0);
    assert.equal(await text(bucket, 'base/a.csv'), 'web');
    assert.ok(logger.warnings.some((warning) => /after the plan/.test(warning) && /base\/a\.csv/.test(warning)));

    const overwriting = step(bucket, folder, { 'on-conflict': 'overwrite' });
    const plan2 = await overwriting.plan();
    await putForeign(s3, bucket, 'base/a.csv', 'web again');
    await overwriting.apply(plan2);
    assert.equal(await text(bucket, 'base/a.csv'), 'v2');
  });
});

describe('the sync record is hostile input', () => {
  for (const [label, body] of [
    ['not JSON', '{"version": 1, "files": '],
    ['an unknown version', JSON.stringify({ version: 2, prefix: 'base/', updatedAt: '', files: {} })],
    ['an entry that is not one', JSON.stringify({ version: 1, prefix: 'base/', updatedAt: '', files: { 'a.csv': { etag: 1 } } })],
  ] as const) {
    test(`a record with ${label} fails closed: a web-app edit is a conflict, an unrecorded file is not deleted`, async () => {
      const folder = await model({ 'scenarios/base/a.csv': 'v1', 'scenarios/base/b.csv': 'b' });
      const bucket = await newBucket(s3, 'record');
      await sync(bucket, folder);
      await writeFile(join(folder, 'scenarios', 'base', 'a.csv'), 'v2');
      await putForeign(s3, bucket, 'base/a.csv', 'web edit');
      await putForeign(s3, bucket, 'base/extra.csv', 'web file');
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: '_common/.quetzal-deploy/scenarios/base.json', Body: body }));

      const logger = captureLogger();
      const s = step(bucket, folder, { 'delete-removed': 'true' }, logger);
      await assert.rejects(async () => s.apply(await s.plan()), /changed outside the action|written outside the action/);
      assert.ok(logger.warnings.some((warning) => /_common\/\.quetzal-deploy\/scenarios\/base\.json cannot be read/.test(warning) && /delete that record/.test(warning)));
      assert.equal(await text(bucket, 'base/a.csv'), 'web edit');
      assert.equal(await text(bucket, 'base/extra.csv'), 'web file');
    });
  }

  test('files named __proto__, constructor and toString are recorded like any other', async () => {
    const folder = await model({ 'scenarios/base/__proto__': 'p', 'scenarios/base/constructor': 'c', 'scenarios/base/toString': 't' });
    const bucket = await newBucket(s3, 'proto');
    await sync(bucket, folder);
    const record = JSON.parse(await text(bucket, '_common/.quetzal-deploy/scenarios/base.json'));
    assert.deepEqual(Object.keys(record.files).sort(), ['__proto__', 'constructor', 'toString']);

    // Recorded, so a web-app edit of each is a conflict, and the unchanged rerun writes nothing.
    const rerun = await sync(bucket, folder);
    assert.equal(rerun.targets[0].uploaded, 0);
    await writeFile(join(folder, 'scenarios', 'base', 'constructor'), 'c2');
    await putForeign(s3, bucket, 'base/constructor', 'web');
    await assert.rejects(sync(bucket, folder), /changed outside the action since the action last wrote it/);
  });
});

test('a scenario folder given by name that is a link is refused too', async () => {
  const outside = await model({ 'a.csv': 'x' });
  const folder = await model({ 'scenarios/base/a.csv': 'a' });
  await mkdir(join(folder, 'scenarios'), { recursive: true });
  await symlink(outside, join(folder, 'scenarios', 'other'));
  const bucket = await newBucket(s3, 'link-named');
  await assert.rejects(step(bucket, folder, { scenarios: 'base, other' }).plan(), /symbolic link/);
});
