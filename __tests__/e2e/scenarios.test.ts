/**
 * The scenario sync through the bundled action, on the local account: only what changed goes up, decided by
 * content; run artifacts, neighbours and web-app edits are never lost.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { errorMessages, runAction, type ActionRun } from '../helpers/action.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo, write, type ModelRepo } from '../helpers/model-repo.ts';

let account: LocalAccount;
let s3: S3Client;
let lambda: LambdaClient;
const name = `qsync-${process.pid}`;
const ZERO = '0'.repeat(40);

function sync(repo: ModelRepo, inputs: Record<string, string>, push: { before: string; after: string }): Promise<ActionRun> {
  return runAction({
    workspace: repo.workspace,
    eventName: 'push',
    sha: push.after,
    event: { before: push.before, after: push.after },
    inputs: { 'model-folder': 'quetzal-example', 'ecr-repository': name, 'lambda-function': name, bucket: name, steps: 'scenarios', ...inputs },
    env: account.env,
  });
}

async function keys(prefix = ''): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: name, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!).filter((key) => !key.startsWith('_common/.'));
}

async function body(key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: name, Key: key }))).Body!.transformToString();
}

async function put(key: string, text: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: text }));
}


before(async () => {
  account = await startLocalAccount();
  await account.provisionModel(name);
  const config = account.sdkConfig;
  s3 = new S3Client(config);
  lambda = new LambdaClient(config);
});

after(async () => {
  s3?.destroy();
  lambda?.destroy();
  await account?.stop();
});

describe('scenario sync', () => {
  let repo: ModelRepo;
  let first: string;

  before(async () => {
    repo = modelRepo();
    // A type the action's own table does not name: it comes from mime-types, loaded by the bundle on first use.
    write(path.join(repo.model, 'scenarios', 'base', 'inputs', 'legend.png'), 'not really a png');
    first = repo.commit('the model');
    // What runs wrote, and a neighbour whose name starts like `base`: none of it is the action's to touch.
    await put('base/outputs/loaded_links.geojson', '{"run":1}');
    await put('base/logs/A10_network.txt', 'ok');
    await put('base/info.json', '{"status":"done"}');
    await put('base 1/inputs/params.json', '{"copy":true}');
  });

  it('uploads every scenario on the first push, with content types and the commit, and keeps run artifacts', async () => {
    const run = await sync(repo, {}, { before: ZERO, after: first });
    assert.equal(run.exitCode, 0, run.stdout);
    const local = ['base', 'high-frequency'].flatMap((scenario) =>
      fs.readdirSync(path.join(repo.model, 'scenarios', scenario), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => `${scenario}/${path.relative(path.join(repo.model, 'scenarios', scenario), path.join(entry.parentPath, entry.name)).split(path.sep).join('/')}`),
    );
    const remote = await keys();
    for (const key of local) assert.ok(remote.includes(key), `${key} uploaded`);
    assert.equal(run.outputs['files-uploaded'], String(local.length + 2), 'scenarios plus modelConfig.json and steps.json');
    assert.deepEqual(JSON.parse(run.outputs.scenarios).sort(), ['base', 'high-frequency']);
    const head = await s3.send(new HeadObjectCommand({ Bucket: name, Key: 'base/inputs/pt/links.geojson' }));
    assert.equal(head.ContentType, 'application/geo+json');
    assert.equal(head.Metadata?.['quetzal-commit'], first);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: name, Key: 'base/inputs/legend.png' }))).ContentType, 'image/png');
    assert.equal(await body('base/outputs/loaded_links.geojson'), '{"run":1}');
    assert.equal(await body('base/info.json'), '{"status":"done"}');
    assert.equal(await body('base 1/inputs/params.json'), '{"copy":true}');
    assert.match(run.summary, /\| `base\/` \| synced \|/);
  });

  it('uploads nothing from a fresh clone of the same commit (every mtime new)', async () => {
    const clone = modelRepo();
    const sha = clone.commit('the model, cloned again');
    const run = await sync(clone, { scenarios: 'all' }, { before: ZERO, after: sha });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(run.outputs['files-uploaded'], '0');
    assert.notEqual(run.outputs['files-unchanged'], '0');
  });

  it('uploads exactly the one file of a same-size edit, and rewrites nothing else', async () => {
    const file = path.join(repo.model, 'scenarios', 'high-frequency', 'inputs', 'params.json');
    const text = fs.readFileSync(file, 'utf8');
    const edited = text.replace(/\d/, (digit) => String((Number(digit) + 1) % 10));
    assert.equal(edited.length, text.length);
    write(file, edited);
    const before = await s3.send(new HeadObjectCommand({ Bucket: name, Key: 'base/inputs/params.json' }));
    const sha = repo.commit('same-size edit');
    const run = await sync(repo, {}, { before: first, after: sha });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(run.outputs['files-uploaded'], '1');
    assert.deepEqual(JSON.parse(run.outputs.scenarios), ['high-frequency']);
    assert.equal(await body('high-frequency/inputs/params.json'), edited);
    const after = await s3.send(new HeadObjectCommand({ Bucket: name, Key: 'base/inputs/params.json' }));
    assert.equal(after.LastModified?.getTime(), before.LastModified?.getTime(), 'base untouched');
    first = sha;
  });

  it('deletes a stale input only with delete-removed, and never outputs, logs, info.json or `base 1`', async () => {
    const stale = path.join(repo.model, 'scenarios', 'base', 'inputs', 'old_links.geojson');
    write(stale, '{"type":"FeatureCollection","features":[]}');
    const added = repo.commit('an input that will go stale');
    assert.equal((await sync(repo, {}, { before: first, after: added })).exitCode, 0);
    assert.ok((await keys('base/')).includes('base/inputs/old_links.geojson'));
    fs.rmSync(stale);
    first = repo.commit('the input is removed');
    const kept = await sync(repo, { scenarios: 'base' }, { before: added, after: first });
    assert.equal(kept.exitCode, 0, kept.stdout);
    assert.ok((await keys('base/')).includes('base/inputs/old_links.geojson'), 'nothing deleted by default');

    const run = await sync(repo, { scenarios: 'base', 'delete-removed': 'true' }, { before: first, after: first });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(run.outputs['files-deleted'], '1');
    const remote = await keys();
    assert.ok(!remote.includes('base/inputs/old_links.geojson'));
    for (const key of ['base/outputs/loaded_links.geojson', 'base/logs/A10_network.txt', 'base/info.json', 'base 1/inputs/params.json']) {
      assert.ok(remote.includes(key), `${key} kept`);
    }
    assert.match(run.summary, /old_links\.geojson/);
  });

  it('never deletes a file it did not write, even with delete-removed: a web-app addition stops the run', async () => {
    await put('high-frequency/inputs/added_in_the_web_app.json', '{}');
    const run = await sync(repo, { scenarios: 'high-frequency', 'delete-removed': 'true' }, { before: first, after: first });
    assert.equal(run.exitCode, 1);
    assert.match(errorMessages(run), /added_in_the_web_app\.json/);
    assert.equal(await body('high-frequency/inputs/added_in_the_web_app.json'), '{}');
  });

  it('leaves a locked scenario alone, with a warning', async () => {
    await put('high-frequency/.lock', 'running');
    write(path.join(repo.model, 'scenarios', 'high-frequency', 'inputs', 'params.json'), '{"locked": "edit"}');
    const sha = repo.commit('edit a locked scenario');
    const run = await sync(repo, {}, { before: first, after: sha });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.notEqual(await body('high-frequency/inputs/params.json'), '{"locked": "edit"}');
    assert.ok(run.annotations.some((annotation) => annotation.level === 'warning' && /lock/i.test(annotation.message)));
    await s3.send(new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: name, Key: 'high-frequency/.lock' }));
    first = sha;
  });

  it('stops the whole deploy before any write when a web-app edit would be overwritten', async () => {
    await put('base/inputs/params.json', '{"edited in the web app": true}');
    write(path.join(repo.model, 'scenarios', 'base', 'inputs', 'params.json'), '{"edited in git": true}');
    const sha = repo.commit('conflicting edit');
    const lambdaBefore = (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.LastModified;
    const run = await sync(repo, { steps: 'lambda,scenarios', 'image-tag': 'placeholder' }, { before: first, after: sha });
    assert.equal(run.exitCode, 1);
    assert.match(errorMessages(run), /base\/inputs\/params\.json/);
    assert.equal(await body('base/inputs/params.json'), '{"edited in the web app": true}');
    assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.LastModified, lambdaBefore);
  });

  it('refuses a scenario name that escapes its prefix, before any AWS call', async () => {
    const before = await keys();
    const run = await sync(repo, { scenarios: '../x' }, { before: first, after: first });
    assert.equal(run.exitCode, 1);
    assert.match(errorMessages(run), /\.\.\/x/);
    assert.deepEqual(await keys(), before);
  });
});

describe('local clutter', () => {
  it('never uploads checkpoints, caches, system files, git-ignored files or input exclude, and never deletes their remote copies', async () => {
    const repo = modelRepo();
    const scenario = path.join(repo.model, 'scenarios', 'clutter');
    write(path.join(scenario, 'inputs', 'params.json'), '{"a":1}');
    write(path.join(scenario, '.ipynb_checkpoints', 'A10-checkpoint.ipynb'), '{}');
    write(path.join(scenario, 'inputs', '__pycache__', 'x.cpython-312.pyc'), 'bytecode');
    write(path.join(scenario, 'inputs', '.DS_Store'), 'finder');
    write(path.join(scenario, 'Thumbs.db'), 'explorer');
    write(path.join(scenario, 'inputs', 'draft.tmp'), 'draft');
    write(path.join(repo.model, '.gitignore'), '*.log\n');
    write(path.join(scenario, 'run.log'), 'a laptop run');
    const sha = repo.commit('a scenario, and what a laptop leaves beside it');
    assert.equal(repo.git('ls-files', '--', 'scenarios/clutter/run.log'), '', 'git ignores run.log');
    // What the bucket has already: an excluded file and an ignored one (never deleted), a stale input (deleted).
    await put('clutter/inputs/.DS_Store', 'uploaded by an old script');
    await put('clutter/old.log', 'uploaded by an old script');
    await put('clutter/stale.csv', 'a,b');

    const run = await sync(repo, { scenarios: 'clutter', 'delete-removed': 'true', exclude: '**/*.tmp' }, { before: ZERO, after: sha });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.deepEqual((await keys('clutter/')).sort(), ['clutter/inputs/.DS_Store', 'clutter/inputs/params.json', 'clutter/old.log']);
    assert.equal(await body('clutter/inputs/.DS_Store'), 'uploaded by an old script');
    assert.match(run.summary, /\| Excluded \| 6 local file\(s\): never uploaded \|/);
    assert.match(run.summary, /6 local file\(s\) excluded/);
    assert.equal(run.outputs['files-uploaded'], '1');
    assert.equal(run.outputs['files-deleted'], '1');
  });
});
