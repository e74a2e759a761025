/**
 * The scenario sync against a real S3 emulator (moto_server): what users trust it with.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DeployError } from '../../../src/ground/errors.ts';
import type { Logger } from '../../../src/ground/logger.ts';
import { ScenarioSyncStep, SyncError, parseSyncSettings, type SyncOutcome } from '../../../src/scenarios/index.ts';
import { listFilesUnder } from '../../../src/scenarios/local.ts';
import { reportOutcome } from '../../../src/scenarios/report.ts';
import {
  bind,
  bucketContents,
  bucketEtags,
  headMetadata,
  makeModel,
  type Moto,
  newBucket,
  putForeign,
  s3Client,
  syncContext,
  type SyncRun,
  TEST_COMMIT,
  useMoto,
  writeFiles,
} from './moto.ts';

const PORT = 5211;
let moto: Moto;
let s3: S3Client;
const folders = useMoto(PORT, (started) => ({ moto, s3 } = started));

interface Captured extends Logger {
  lines: string[];
  warnings: string[];
}
function captureLogger(): Captured {
  const lines: string[] = [];
  const warnings: string[] = [];
  return {
    lines,
    warnings,
    info: (message) => lines.push(message),
    warning: (message) => {
      warnings.push(message);
      lines.push(message);
    },
    debug: () => {},
    secret: () => {},
    group: (_title, task) => task(),
  };
}

async function model(files: Record<string, string | Buffer>): Promise<string> {
  const folder = await makeModel(files);
  folders.push(folder);
  return folder;
}

type Extra = Pick<SyncRun, 'changedFiles' | 'logger' | 'mode' | 'signal'> & { client?: S3Client };

/** The step with the context of one run (a deploy unless `extra.mode` says plan). */
function step(bucket: string, modelFolder: string, inputs: Record<string, string> = {}, extra: Extra = {}) {
  const context = syncContext(extra.client ?? s3, { bucket, modelFolder, inputs, logger: extra.logger ?? captureLogger(), ...extra });
  return bind(new ScenarioSyncStep({ retry: { attempts: 2, firstDelayMs: 10 } }), context);
}

async function sync(bucket: string, modelFolder: string, inputs: Record<string, string> = {}, extra: Extra = {}): Promise<SyncOutcome> {
  const s = step(bucket, modelFolder, inputs, extra);
  return s.apply(await s.plan());
}

function totals(outcome: SyncOutcome) {
  return reportOutcome(outcome).outputs;
}

const baseFiles = {
  'scenarios/base/inputs/pt/links.geojson': '{"type":"FeatureCollection","features":[]}',
  'scenarios/base/inputs/pt/nodes.geojson': '{"type":"FeatureCollection","features":[1]}',
  'scenarios/base/inputs/params.json': '{"speed": 20}',
  'scenarios/base/inputs/od.csv': 'o,d,v\n1,2,3\n',
};

describe('first deploy and re-deploys', () => {
  test('uploads every file with content type and the commit in metadata, then a re-run uploads nothing', async () => {
    const bucket = await newBucket(s3, 'first');
    const folder = await model({ ...baseFiles, 'modelConfig.json': '{"name":"m"}', 'steps.json': '[]', 'docs/index.md': '# Doc' });
    const first = await sync(bucket, folder);
    assert.deepEqual(totals(first), {
      scenarios: '["base"]',
      'files-uploaded': '7',
      'bytes-uploaded': String(Object.values(baseFiles).join('').length + '{"name":"m"}'.length + 2 + 5),
      'files-deleted': '0',
      'files-unchanged': '0',
    });
    const contents = await bucketContents(s3, bucket);
    assert.equal(contents.get('base/inputs/params.json'), '{"speed": 20}');
    assert.equal(contents.get('_common/modelConfig.json'), '{"name":"m"}');
    assert.equal(contents.get('_common/steps.json'), '[]');
    assert.equal(contents.get('_common/docs/index.md'), '# Doc');
    const head = await headMetadata(s3, bucket, 'base/inputs/pt/links.geojson');
    assert.equal(head.ContentType, 'application/geo+json');
    assert.equal(head.Metadata?.['quetzal-commit'], TEST_COMMIT);
    assert.match(head.Metadata?.['quetzal-md5'] ?? '', /^[0-9a-f]{32}$/);
    assert.equal((await headMetadata(s3, bucket, 'base/inputs/od.csv')).ContentType, 'text/csv');
    assert.equal((await headMetadata(s3, bucket, 'base/inputs/params.json')).ContentType, 'application/json');

    const etagsBefore = await bucketEtags(s3, bucket);
    const second = await sync(bucket, folder);
    assert.equal(totals(second)['files-uploaded'], '0');
    assert.equal(totals(second)['files-unchanged'], '7');
    assert.deepEqual(await bucketEtags(s3, bucket), etagsBefore, 'a re-run writes nothing, not even the record');
  });

  test('a fresh clone (every mtime new) uploads nothing, even without the action record', async () => {
    const bucket = await newBucket(s3, 'fresh');
    const folder = await model(baseFiles);
    await sync(bucket, folder);
    const later = new Date(Date.now() + 3_600_000);
    for (const file of await listFilesUnder(folder)) await utimes(file.path, later, later);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: '_common/.quetzal-deploy/scenarios/base.json' }));
    const s = step(bucket, folder);
    const plan = await s.plan();
    assert.equal(plan.targets[0].decision?.uploads.length, 0);
    assert.equal(plan.targets[0].decision?.unchanged.length, 4);
  });

  test('a same-size edit uploads exactly that file and nothing else', async () => {
    const bucket = await newBucket(s3, 'samesize');
    const folder = await model({ ...baseFiles, 'scenarios/other/inputs/params.json': '{"speed": 20}' });
    await sync(bucket, folder);
    const etagsBefore = await bucketEtags(s3, bucket);
    await writeFile(join(folder, 'scenarios/base/inputs/params.json'), '{"speed": 30}'); // same size
    const outcome = await sync(bucket, folder);
    assert.equal(totals(outcome)['files-uploaded'], '1');
    const etagsAfter = await bucketEtags(s3, bucket);
    const rewritten = [...etagsAfter.keys()].filter((key) => etagsAfter.get(key) !== etagsBefore.get(key));
    assert.deepEqual(rewritten.sort(), ['_common/.quetzal-deploy/scenarios/base.json', 'base/inputs/params.json']);
    assert.equal((await bucketContents(s3, bucket, 'base/inputs/params.json')).get('base/inputs/params.json'), '{"speed": 30}');
  });

  test('plan writes nothing and lists what would change', async () => {
    const bucket = await newBucket(s3, 'plan');
    await putForeign(s3, bucket, 'base/inputs/stale.csv', 'old');
    const folder = await model(baseFiles);
    const logger = captureLogger();
    const s = step(bucket, folder, { 'delete-removed': 'true' }, { logger });
    const plan = await s.plan();
    const report = s.report(plan);
    assert.deepEqual([...(await bucketContents(s3, bucket)).keys()], ['base/inputs/stale.csv']);
    assert.match(report.markdown ?? '', /\| `base\/` \| will sync \| 4 \(/);
    assert.match(report.markdown ?? '', /base\/inputs\/stale\.csv/);
    assert.ok(logger.lines.some((line) => line.includes('To delete') && line.includes('base/inputs/stale.csv')));
  });
});

describe('never lose data', () => {
  test('run artifacts survive a sync with delete-removed, and the neighbour "base 1" is untouched', async () => {
    const bucket = await newBucket(s3, 'artifacts');
    const folder = await model({ ...baseFiles, 'scenarios/base/inputs/stale.csv': 'x' });
    await sync(bucket, folder, { scenarios: 'base' });
    const runFiles = {
      'base/outputs/loaded_links.geojson': '{"run":1}',
      'base/logs/step1.txt': 'ok',
      'base/info.json': '{"status":"done"}',
      'base 1/inputs/params.json': '{"speed": 99}',
      'base 1/outputs/x.csv': 'a',
      'basement/inputs/params.json': '{}',
    };
    for (const [key, body] of Object.entries(runFiles)) await putForeign(s3, bucket, key, body);
    await rm(join(folder, 'scenarios/base/inputs/stale.csv'));

    const logger = captureLogger();
    const outcome = await sync(bucket, folder, { scenarios: 'base', 'delete-removed': 'true' }, { logger });
    assert.equal(totals(outcome)['files-deleted'], '1');
    const contents = await bucketContents(s3, bucket);
    assert.equal(contents.has('base/inputs/stale.csv'), false);
    for (const [key, body] of Object.entries(runFiles)) assert.equal(contents.get(key), body, key);
    assert.ok(logger.lines.some((line) => line.includes('Deleting 1 file') && line.includes('base/inputs/stale.csv')));
    const report = reportOutcome(outcome);
    assert.match(report.markdown ?? '', /Deleted files \(1\)[\s\S]*base\/inputs\/stale\.csv/);
  });

  test('nothing is deleted by default', async () => {
    const bucket = await newBucket(s3, 'nodelete');
    await putForeign(s3, bucket, 'base/inputs/stale.csv', 'old');
    const folder = await model(baseFiles);
    const outcome = await sync(bucket, folder);
    assert.equal(totals(outcome)['files-deleted'], '0');
    assert.equal((await bucketContents(s3, bucket)).get('base/inputs/stale.csv'), 'old');
  });

  test('extra keep globs protect more remote files', async () => {
    const bucket = await newBucket(s3, 'keep');
    await putForeign(s3, bucket, 'base/results/r.csv', 'run');
    await putForeign(s3, bucket, 'base/inputs/stale.csv', 'old');
    const folder = await model(baseFiles);
    await sync(bucket, folder, { 'delete-removed': 'true', keep: 'results/**' });
    const contents = await bucketContents(s3, bucket);
    assert.equal(contents.get('base/results/r.csv'), 'run');
    assert.equal(contents.has('base/inputs/stale.csv'), false);
  });

  test('a remote run artifact that differs from the repository is kept', async () => {
    const bucket = await newBucket(s3, 'artifact-differs');
    await putForeign(s3, bucket, 'base/outputs/summary.csv', 'from the last run');
    const folder = await model({ ...baseFiles, 'scenarios/base/outputs/summary.csv': 'committed long ago' });
    const outcome = await sync(bucket, folder);
    assert.equal((await bucketContents(s3, bucket)).get('base/outputs/summary.csv'), 'from the last run');
    assert.match(outcome.targets[0].notes.join(' '), /1 run artifact/);
  });

  test('a locked scenario is left untouched (skip), stops the deploy before any write (fail), or is synced keeping its lock (overwrite)', async () => {
    const bucket = await newBucket(s3, 'locked');
    await putForeign(s3, bucket, 'scen/.lock', '');
    await putForeign(s3, bucket, 'scen/inputs/params.json', 'remote');
    const folder = await model({ ...baseFiles, 'scenarios/scen/inputs/params.json': 'local' });
    const logger = captureLogger();
    const skipped = await sync(bucket, folder, { scenarios: 'all' }, { logger });
    assert.equal(skipped.targets.find((t) => t.name === 'scen')?.status, 'locked');
    assert.equal((await bucketContents(s3, bucket, 'scen/')).get('scen/inputs/params.json'), 'remote');
    assert.ok(logger.warnings.some((w) => w.includes('"scen" is locked')));
    assert.equal((await bucketContents(s3, bucket, 'base/')).size, 4, 'the other scenario is synced');

    await writeFile(join(folder, 'scenarios/base/inputs/od.csv'), 'o,d,v\n7,7,7\n');
    await assert.rejects(sync(bucket, folder, { scenarios: 'all', locked: 'fail' }), (error: unknown) => {
      assert.ok(error instanceof DeployError && !(error instanceof SyncError), 'refused by the plan, not by the apply');
      assert.match(error.message, /^The scenario sync cannot complete, so nothing was deployed:\n/);
      assert.match(error.message, /"scen" is locked/);
      return true;
    });
    assert.equal((await bucketContents(s3, bucket, 'scen/')).get('scen/inputs/params.json'), 'remote');
    assert.equal((await bucketContents(s3, bucket, 'base/')).get('base/inputs/od.csv'), baseFiles['scenarios/base/inputs/od.csv'], 'the other scenario is not synced either');

    await sync(bucket, folder, { scenarios: 'all', locked: 'overwrite', 'delete-removed': 'true' });
    const contents = await bucketContents(s3, bucket, 'scen/');
    assert.equal(contents.get('scen/inputs/params.json'), 'local');
    assert.equal(contents.has('scen/.lock'), true);
  });

  test('a web-app edit stops the deploy before any write with an error naming the file; skip and overwrite do what they say', async () => {
    const bucket = await newBucket(s3, 'conflict');
    const folder = await model({ ...baseFiles, 'scenarios/edited/inputs/params.json': '{"speed": 20}', 'scenarios/edited/inputs/od.csv': 'a' });
    await sync(bucket, folder, { scenarios: 'all' });
    // The web app rewrites the object: new content, no action metadata.
    await putForeign(s3, bucket, 'edited/inputs/params.json', '{"speed": 45, "edited": "web"}');
    await writeFile(join(folder, 'scenarios/edited/inputs/od.csv'), 'b'); // the repository changed another file
    await writeFile(join(folder, 'scenarios/base/inputs/od.csv'), 'o,d,v\n9,9,9\n');

    await assert.rejects(sync(bucket, folder, { scenarios: 'all' }), (error: unknown) => {
      assert.ok(error instanceof DeployError && !(error instanceof SyncError), 'refused by the plan, not by the apply');
      assert.match(error.message, /^The scenario sync cannot complete, so nothing was deployed:\n/);
      assert.match(error.message, /"edited" has 1 file\(s\) changed outside the action/);
      assert.match(error.message, /edited\/inputs\/params\.json/);
      assert.equal(error.hint, 'Bring the web-app edits into the repository, or set `on-conflict: skip` / `overwrite` (and `locked`) to decide.');
      return true;
    });
    let contents = await bucketContents(s3, bucket);
    assert.equal(contents.get('edited/inputs/params.json'), '{"speed": 45, "edited": "web"}');
    assert.equal(contents.get('edited/inputs/od.csv'), 'a', 'nothing of the conflicting scenario is written');
    assert.equal(contents.get('base/inputs/od.csv'), baseFiles['scenarios/base/inputs/od.csv'], 'nor anything of the other scenarios');

    const skipped = await sync(bucket, folder, { scenarios: 'all', 'on-conflict': 'skip' });
    assert.equal(skipped.targets.find((t) => t.name === 'edited')?.status, 'conflict');
    contents = await bucketContents(s3, bucket);
    assert.equal(contents.get('edited/inputs/od.csv'), 'a', 'skip: nothing of the conflicting scenario is written');
    assert.equal(contents.get('base/inputs/od.csv'), 'o,d,v\n9,9,9\n', 'skip: the other scenarios are synced');

    await sync(bucket, folder, { scenarios: 'all', 'on-conflict': 'overwrite' });
    contents = await bucketContents(s3, bucket);
    assert.equal(contents.get('edited/inputs/params.json'), '{"speed": 20}');
    assert.equal(contents.get('edited/inputs/od.csv'), 'b');
    const again = await sync(bucket, folder, { scenarios: 'all' });
    assert.equal(totals(again)['files-uploaded'], '0');
  });

  /** A synced bucket where the web app then edited `edited/`, and a repository that changed `base/`. */
  async function editedInTheWebApp(label: string): Promise<{ bucket: string; folder: string }> {
    const bucket = await newBucket(s3, label);
    const folder = await model({ ...baseFiles, 'scenarios/edited/inputs/params.json': '{"speed": 20}' });
    await sync(bucket, folder, { scenarios: 'all' });
    await putForeign(s3, bucket, 'edited/inputs/params.json', 'web');
    await writeFile(join(folder, 'scenarios/base/inputs/od.csv'), 'o,d,v\n9,9,9\n');
    return { bucket, folder };
  }

  test('in plan mode, a web-app edit is planned and reported as failing the deploy, and nothing is written', async () => {
    const { bucket, folder } = await editedInTheWebApp('conflict-plan');
    const etagsBefore = await bucketEtags(s3, bucket);

    const logger = captureLogger();
    const s = step(bucket, folder, { scenarios: 'all' }, { mode: 'plan', logger });
    const plan = await s.plan();
    assert.equal(plan.problems.length, 1);
    assert.match(plan.problems[0], /^Scenario "edited" has 1 file\(s\) changed outside the action[\s\S]*edited\/inputs\/params\.json/);
    const report = s.report(plan);
    assert.equal(report.status, 'would fail');
    assert.match(report.markdown ?? '', /\| `edited\/` \| stopped: conflict \(fails the step\) \|/);
    assert.match(report.markdown ?? '', /\| `base\/` \| will sync \| 1 \(/);
    assert.ok(logger.warnings.some((warning) => /a deploy would stop before writing anything/.test(warning) && /edited\/inputs\/params\.json/.test(warning)));
    assert.deepEqual(await bucketEtags(s3, bucket), etagsBefore, 'the plan writes nothing');
  });

  test('applied, a plan with a blocked scenario syncs the other scenarios, then ends in a SyncError naming the file', async () => {
    const { bucket, folder } = await editedInTheWebApp('conflict-apply');

    const s = step(bucket, folder, { scenarios: 'all' }, { mode: 'plan' });
    await assert.rejects(s.apply(await s.plan()), (error: unknown) => {
      assert.ok(error instanceof SyncError);
      assert.match(error.message, /"edited" has 1 file\(s\) changed outside the action/);
      assert.match(error.outcome.problems.join('\n'), /edited\/inputs\/params\.json/);
      assert.equal(error.outcome.targets.find((t) => t.name === 'base')?.uploaded, 1);
      return true;
    });
    const contents = await bucketContents(s3, bucket);
    assert.equal(contents.get('edited/inputs/params.json'), 'web', 'the blocked scenario is left as it is');
    assert.equal(contents.get('base/inputs/od.csv'), 'o,d,v\n9,9,9\n', 'the other scenarios are synced');
  });

  test('a web-app edit of a file the repository removed is not deleted', async () => {
    const bucket = await newBucket(s3, 'conflict-delete');
    const folder = await model({ ...baseFiles, 'scenarios/base/inputs/extra.csv': 'a' });
    await sync(bucket, folder);
    await putForeign(s3, bucket, 'base/inputs/extra.csv', 'edited in the web app');
    await rm(join(folder, 'scenarios/base/inputs/extra.csv'));
    await assert.rejects(sync(bucket, folder, { 'delete-removed': 'true' }), /changed outside the action/);
    assert.equal((await bucketContents(s3, bucket)).get('base/inputs/extra.csv'), 'edited in the web app');
  });

  test('objects of the old scripts: identical ones do not block nor upload, differing ones are replaced on the first deploy', async () => {
    const bucket = await newBucket(s3, 'oldscripts');
    for (const [rel, body] of Object.entries(baseFiles)) await putForeign(s3, bucket, rel.replace('scenarios/', ''), body);
    await putForeign(s3, bucket, 'base/inputs/params.json', '{"speed": 10}');
    const folder = await model(baseFiles);
    const outcome = await sync(bucket, folder);
    assert.equal(totals(outcome)['files-uploaded'], '1');
    assert.equal(totals(outcome)['files-unchanged'], '3');
    assert.equal((await bucketContents(s3, bucket)).get('base/inputs/params.json'), '{"speed": 20}');
    // Now recorded: a later outside edit of an identical old-script object is detected.
    await putForeign(s3, bucket, 'base/inputs/od.csv', 'edited later');
    await assert.rejects(sync(bucket, folder), /base\/inputs\/od\.csv/);
  });

  test('identical content uploaded by the AWS CLI (8 MiB parts) or lib-storage (5 MiB parts) is not uploaded again', async () => {
    const bucket = await newBucket(s3, 'foreign-multipart');
    const big = Buffer.alloc(21 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const bigger = Buffer.concat([big, Buffer.from('tail')]);
    const folder = await model({ ...baseFiles, 'scenarios/base/inputs/cli.bin': big, 'scenarios/base/inputs/sdk.bin': bigger });
    await promisify(execFile)('aws', ['s3', 'cp', join(folder, 'scenarios/base/inputs/cli.bin'), `s3://${bucket}/base/inputs/cli.bin`, '--endpoint-url', moto.endpoint], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1' },
    });
    await new Upload({ client: s3, params: { Bucket: bucket, Key: 'base/inputs/sdk.bin', Body: bigger }, partSize: 5 * 1024 * 1024 }).done();
    const etags = await bucketEtags(s3, bucket);
    assert.match(etags.get('base/inputs/cli.bin') ?? '', /-3"/, 'the CLI made 3 parts of 8 MiB');
    assert.match(etags.get('base/inputs/sdk.bin') ?? '', /-5"/, 'lib-storage made 5 parts of 5 MiB');
    const plan = await step(bucket, folder).plan();
    const uploads = plan.targets[0].decision?.uploads.map((u) => u.rel);
    assert.deepEqual(uploads, ['inputs/od.csv', 'inputs/params.json', 'inputs/pt/links.geojson', 'inputs/pt/nodes.geojson']);

    // A same-size edit of a large file is seen too.
    big.writeUInt32LE(7, 10 * 1024 * 1024);
    await writeFile(join(folder, 'scenarios/base/inputs/cli.bin'), big);
    const replan = await step(bucket, folder).plan();
    assert.ok(replan.targets[0].decision?.uploads.some((u) => u.rel === 'inputs/cli.bin'));
  });

  test('an interrupted sync deletes nothing, and the rerun finishes it', async () => {
    const bucket = await newBucket(s3, 'interrupted');
    const folder = await model({ ...baseFiles, 'scenarios/base/inputs/old.csv': 'old' });
    await sync(bucket, folder);
    await rm(join(folder, 'scenarios/base/inputs/old.csv'));
    await writeFiles(folder, { 'scenarios/base/inputs/new1.csv': 'n1', 'scenarios/base/inputs/new2.csv': 'n2' });

    const flaky = s3Client(moto.endpoint);
    flaky.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Key?: string };
        if (input.Key === 'base/inputs/new2.csv') throw new Error('connection reset (injected)');
        return next(args);
      },
      { step: 'initialize', name: 'injectFailure' },
    );
    await assert.rejects(sync(bucket, folder, { 'delete-removed': 'true' }, { client: flaky }), (error: unknown) => {
      assert.ok(error instanceof SyncError);
      assert.match(error.message, /base\/: 1 file|1 file\(s\) of base\//);
      assert.match(error.outcome.problems.join('\n'), /base\/inputs\/new2\.csv: connection reset/);
      return true;
    });
    flaky.destroy();
    let contents = await bucketContents(s3, bucket);
    assert.equal(contents.get('base/inputs/old.csv'), 'old', 'no delete while an upload of the scenario failed');
    assert.equal(contents.get('base/inputs/new1.csv'), 'n1');

    const rerun = await sync(bucket, folder, { 'delete-removed': 'true' });
    assert.equal(totals(rerun)['files-uploaded'], '1');
    assert.equal(totals(rerun)['files-deleted'], '1');
    contents = await bucketContents(s3, bucket);
    assert.equal(contents.get('base/inputs/new2.csv'), 'n2');
    assert.equal(contents.has('base/inputs/old.csv'), false);
  });
});

describe('a cancelled run', () => {
  test('starts no upload and no delete, records nothing, and ends in a SyncError saying what is left; the rerun does it', async () => {
    const bucket = await newBucket(s3, 'cancelled');
    await putForeign(s3, bucket, 'base/inputs/stale.csv', 'old');
    const folder = await model(baseFiles);
    const cancel = new AbortController();
    const s = step(bucket, folder, { 'delete-removed': 'true' }, { signal: cancel.signal });
    const plan = await s.plan();
    cancel.abort();
    await assert.rejects(s.apply(plan), (error: unknown) => {
      assert.ok(error instanceof SyncError);
      assert.match(error.message, /The run was cancelled: 4 upload\(s\) not started, no file deleted\./);
      assert.equal(error.outcome.targets[0].status, 'failed');
      return true;
    });
    assert.deepEqual([...(await bucketContents(s3, bucket)).keys()], ['base/inputs/stale.csv']);

    const rerun = await sync(bucket, folder, { 'delete-removed': 'true' });
    assert.deepEqual([totals(rerun)['files-uploaded'], totals(rerun)['files-deleted']], ['4', '1']);
  });
});

describe('uploads by size', () => {
  test('files up to 8 MiB go in one request, larger ones in 8 MiB parts; each with its MD5, none hashed twice by the SDK', async () => {
    const MiB = 1024 * 1024;
    const bytes = (size: number, seed: number) => {
      const buffer = Buffer.alloc(size);
      for (let i = 0; i + 4 <= size; i += 4096) buffer.writeUInt32LE((i * 31 + seed) >>> 0, i);
      return buffer;
    };
    const files: Record<string, Buffer> = {
      'scenarios/base/inputs/small.csv': bytes(1000, 1), // read whole into a buffer of its own
      'scenarios/base/inputs/two.bin': bytes(2 * MiB, 5), // read into a lent part buffer
      'scenarios/base/inputs/eight.bin': bytes(8 * MiB, 2), // the largest in one request
      'scenarios/base/inputs/mid.geojson': bytes(8 * MiB + 1, 3), // 2 parts, the second of one byte
      'scenarios/base/inputs/large.bin': bytes(65 * MiB, 4), // 9 parts of 8 MiB
    };
    const folder = await model(files);
    const bucket = await newBucket(s3, 'by-size');
    const sent = new Map<string, string>();
    const parts = new Map<string, string[]>();
    const client = s3Client(moto.endpoint);
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        const key = (args.input as { Key?: string }).Key;
        const input = args.input as { UploadId?: string; PartNumber?: number };
        if (key && input.UploadId === undefined && request.headers['x-amz-content-sha256']) sent.set(key, request.headers['x-amz-content-sha256']);
        if (key && input.PartNumber !== undefined) parts.set(key, [...(parts.get(key) ?? []), request.headers['x-amz-content-sha256']]);
        return next(args);
      },
      { step: 'deserialize', name: 'recordPayloadSigning' },
    );
    try {
      assert.equal(totals(await sync(bucket, folder, {}, { client }))['files-uploaded'], '5');
    } finally {
      client.destroy();
    }
    const etags = await bucketEtags(s3, bucket, 'base/');
    const md5 = (content: Buffer) => createHash('md5').update(content).digest('hex');
    for (const [path, content] of Object.entries(files)) {
      const key = path.replace('scenarios/', '');
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(md5(Buffer.from(await object.Body!.transformToByteArray())), md5(content), `${key}: content`);
      assert.equal((await headMetadata(s3, bucket, key)).Metadata?.['quetzal-md5'], md5(content), `${key}: MD5 in metadata`);
      const etag = etags.get(key)?.split('@')[0].replace(/"/g, '');
      if (key.endsWith('large.bin')) assert.match(etag ?? '', /-9$/, 'large: 9 parts');
      else if (key.endsWith('mid.geojson')) assert.match(etag ?? '', /-2$/, 'one byte past a part: 2 parts');
      else assert.equal(etag, md5(content), `${key}: one request, its ETag is its MD5`);
    }
    assert.equal(sent.get('base/inputs/small.csv'), 'UNSIGNED-PAYLOAD');
    assert.equal(sent.get('base/inputs/eight.bin'), 'UNSIGNED-PAYLOAD');
    assert.equal(sent.get('base/inputs/two.bin'), 'UNSIGNED-PAYLOAD');
    assert.deepEqual(parts.get('base/inputs/large.bin'), Array(9).fill('UNSIGNED-PAYLOAD'), 'each part sent once, none signed by hashing it');
    const replan = await step(bucket, folder).plan();
    assert.equal(replan.targets[0].decision?.uploads.length, 0);
    assert.equal(replan.targets[0].decision?.unchanged.length, 5);
  });
});

describe('which scenarios, and refusals before any write', () => {
  test('changed: only scenarios with files in the push are synced; base and "base 1" are distinct', async () => {
    const bucket = await newBucket(s3, 'changed');
    const folder = await model({ ...baseFiles, 'scenarios/base 1/inputs/params.json': '{}', 'scenarios/gone/x': '' });
    await rm(join(folder, 'scenarios/gone'), { recursive: true });
    await sync(bucket, folder, { scenarios: 'base' });
    const outcome = await sync(bucket, folder, {}, { changedFiles: ['scenarios/base 1/inputs/params.json', 'scenarios/gone/x', 'notebooks/a.ipynb'] });
    assert.deepEqual(
      outcome.targets.map((t) => [t.name, t.status]),
      [
        ['base 1', 'sync'],
        ['gone', 'removed-locally'],
      ],
    );
    assert.equal(totals(outcome).scenarios, '["base 1"]');
    assert.deepEqual([...(await bucketContents(s3, bucket, 'base 1/')).keys()], ['base 1/inputs/params.json']);
  });

  test('"../x" and other unsafe names are refused before anything is read or written', () => {
    for (const bad of ['../x', 'a/b', '.hidden', 'tab\there', 'x..y', '_common']) {
      assert.throws(() => parseSyncSettings((name) => (name === 'scenarios' ? `base,${bad}` : '')), /Input `scenarios`.*refused because/, bad);
    }
  });

  test('a scenario folder with an unsafe name stops the plan before any write', async () => {
    const bucket = await newBucket(s3, 'badfolder');
    const folder = await model({ ...baseFiles, 'scenarios/bad\u0007name/inputs/a.csv': 'x' });
    await assert.rejects(step(bucket, folder, { scenarios: 'all' }).plan(), (error: unknown) => error instanceof DeployError && /control character/.test(error.message));
    assert.equal((await bucketContents(s3, bucket)).size, 0);
  });

  test('a named scenario without a local folder is an error', async () => {
    const bucket = await newBucket(s3, 'missing');
    const folder = await model(baseFiles);
    await assert.rejects(step(bucket, folder, { scenarios: 'base, nope' }).plan(), /Scenario "nope" .* has no folder/);
  });

  test('a sync that would leave no base scenario is refused', async () => {
    const bucket = await newBucket(s3, 'nobase');
    const noBase = await model({ 'scenarios/other/inputs/a.csv': 'x' });
    await assert.rejects(step(bucket, noBase, { scenarios: 'all' }).plan(), /No "base" scenario/);
    const withBase = await model({ ...baseFiles, 'scenarios/other/inputs/a.csv': 'x' });
    await assert.rejects(step(bucket, withBase, { scenarios: 'other' }).plan(), (error: unknown) => error instanceof DeployError && /Include base/.test(error.hint ?? ''));
    assert.equal((await bucketContents(s3, bucket)).size, 0);
    await sync(bucket, withBase, { scenarios: 'base' });
    await sync(bucket, noBase, { scenarios: 'all' }); // base exists remotely now
  });

  test('a run that syncs no scenario does not need a base scenario: it warns, and syncs the model-wide files', async () => {
    const bucket = await newBucket(s3, 'nobase-none');
    const folder = await model({ ...baseFiles, 'steps.json': '[1]' });
    const logger = captureLogger();
    const outcome = await sync(bucket, folder, { scenarios: 'none' }, { logger });
    assert.deepEqual(outcome.targets.map((t) => [t.name, t.status]), [['_common', 'sync']]);
    assert.deepEqual([...(await bucketContents(s3, bucket)).keys()].filter((key) => !key.startsWith('_common/.quetzal-deploy/')), ['_common/steps.json']);
    assert.equal(logger.warnings.filter((w) => w.includes('No "base" scenario')).length, 1, logger.warnings.join('\n'));
    assert.match(logger.warnings.find((w) => w.includes('No "base" scenario')) ?? '', /syncs no scenario.*Include base/);

    // `changed` with no scenario changed, or only one removed locally: nothing is synced either.
    const plan = await step(bucket, folder, {}, { changedFiles: ['steps.json', 'scenarios/gone/x'] }).plan();
    assert.deepEqual(plan.targets.map((t) => [t.name, t.status]), [['_common', 'unchanged'], ['gone', 'removed-locally']]);
    const noBase = await model({ 'steps.json': '[1]' });
    const quiet = captureLogger();
    await step(bucket, noBase, { scenarios: 'none' }, { logger: quiet, mode: 'plan' }).plan();
    assert.match(quiet.warnings.join('\n'), /No "base" scenario.*Add a base scenario under .*scenarios\/base\//);

    await sync(bucket, folder, { scenarios: 'base' });
    const after = captureLogger();
    await sync(bucket, folder, { scenarios: 'none' }, { logger: after });
    assert.equal(after.warnings.some((w) => w.includes('"base"')), false, 'base exists remotely now: no warning');
  });

  test('model-wide files follow the same rules; delete-removed touches only the docs', async () => {
    const bucket = await newBucket(s3, 'common');
    const folder = await model({ ...baseFiles, 'steps.json': '[1]', 'docs/a.md': 'a', 'docs/img/b.png': 'b' });
    await sync(bucket, folder);
    await putForeign(s3, bucket, '_common/other.json', 'web');
    await rm(join(folder, 'docs/img/b.png'));
    await rm(join(folder, 'steps.json'));
    const outcome = await sync(bucket, folder, { 'delete-removed': 'true' });
    assert.equal(totals(outcome)['files-deleted'], '1');
    const contents = await bucketContents(s3, bucket, '_common/');
    assert.equal(contents.has('_common/docs/img/b.png'), false);
    assert.equal(contents.get('_common/docs/a.md'), 'a');
    assert.equal(contents.get('_common/steps.json'), '[1]', 'a file absent locally is not managed');
    assert.equal(contents.get('_common/other.json'), 'web');
    const record = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: '_common/.quetzal-deploy/common.json' }))).Body!.transformToString());
    assert.deepEqual(Object.keys(record.files), ['docs/a.md', 'steps.json'], 'steps.json stays recorded: re-adding it later is no conflict');
    assert.ok(await readFile(join(folder, 'docs/a.md')));
  });
});
