/**
 * Deploys that survive AWS faults, end to end: the bundled action, as a runner runs it, talks to the AWS APIs through
 * the fault-injecting proxy (__tests__/helpers/fault-proxy.ts), which forwards to moto. Docker pushes and registry
 * calls go straight to the registry (they are not AWS API calls).
 *
 * After every run the state is read back from moto directly (never through the proxy): the Lambda's image, the
 * deployed definition, every scenario byte (GetObject), the deploy lock.
 *
 * FAULT_SEED=<n> replays the 25% run with another seed; FAULT_MAX_ATTEMPTS=<n> runs it with another `max-attempts`
 * (measurements only: the test proves the default).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { substituteDefinition } from '../../src/validate/definition/substitutions.ts';
import { errorMessages, type ActionRun } from '../helpers/action.ts';
import { runActionChild, startAction } from '../helpers/action-child.ts';
import { ALL_FAULT_KINDS, seededRandom, startFaultProxy, type FaultPlan, type FaultProxy, type FaultStats } from '../helpers/fault-proxy.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo, write, type ModelRepo } from '../helpers/model-repo.ts';

let account: LocalAccount;
let proxy: FaultProxy;
let repo: ModelRepo;
let s3: S3Client;
let lambda: LambdaClient;
let sfn: SFNClient;
let ecr: ECRClient;
const name = `qfault-${process.pid}`;
const ZERO = '0'.repeat(40);
const LOCK_KEY = '_common/.deploy-lock.json';
/** The commit deployed last with success: the next push's `before`. */
let deployed = ZERO;

function deploy(sha: string, inputs: Record<string, string> = {}, env: Record<string, string> = {}): Promise<ActionRun> {
  return runActionChild({
    workspace: repo.workspace,
    eventName: 'push',
    sha,
    event: { before: deployed, after: sha },
    inputs: {
      'model-folder': 'quetzal-example',
      'ecr-repository': name,
      'lambda-function': name,
      bucket: name,
      'lock-timeout-minutes': '0',
      ...inputs,
    },
    env: { ...account.env, AWS_ENDPOINT_URL: proxy.url, ...env },
  });
}


/** Every file the sync puts in the bucket, as bucket key → local path. */
function expectedObjects(): Map<string, string> {
  const objects = new Map<string, string>();
  const scenarios = path.join(repo.model, 'scenarios');
  for (const scenario of fs.readdirSync(scenarios)) {
    for (const entry of fs.readdirSync(path.join(scenarios, scenario), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      objects.set(`${scenario}/${path.relative(path.join(scenarios, scenario), file).split(path.sep).join('/')}`, file);
    }
  }
  for (const common of ['modelConfig.json', 'steps.json']) objects.set(`_common/${common}`, path.join(repo.model, common));
  return objects;
}

async function remoteKeys(): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: name, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function remoteBytes(key: string): Promise<Buffer | undefined> {
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: name, Key: key }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Keys whose remote bytes differ from the local file (or are missing). */
async function differingObjects(): Promise<string[]> {
  const differing: string[] = [];
  for (const [key, file] of expectedObjects()) {
    const remote = await remoteBytes(key);
    if (!remote || !remote.equals(fs.readFileSync(file))) differing.push(key);
  }
  return differing;
}

async function lambdaNow() {
  const { Configuration, Code } = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  return { imageUri: Code?.ImageUri, env: Configuration?.Environment?.Variables ?? {}, lastModified: Configuration?.LastModified };
}

const machineArn = () => `arn:aws:states:${account.region}:${account.accountId}:stateMachine:${name}`;
async function definitionNow(): Promise<unknown> {
  return JSON.parse((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn() }))).definition ?? 'null');
}

/** The definition a deploy must leave: the model's file with the built-in placeholders filled, calling `version`. */
function intendedDefinition(version: string): unknown {
  const { text, missing } = substituteDefinition(fs.readFileSync(path.join(repo.model, 'step-functions.json'), 'utf8'), {
    AccountId: account.accountId,
    Region: account.region,
    ModelName: 'quetzal-example',
    LambdaFunctionArn: `arn:aws:lambda:${account.region}:${account.accountId}:function:${name}:${version}`,
    BucketName: name,
  });
  assert.deepEqual(missing, []);
  return JSON.parse(text);
}

async function imageDigest(tag: string): Promise<string | undefined> {
  try {
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: tag }] }));
    return imageDetails?.[0]?.imageDigest;
  } catch (error) {
    if ((error as Error).name === 'ImageNotFoundException') return undefined;
    throw error;
  }
}

/**
 * A fault on `rate` of the AWS calls (kinds drawn uniformly), and always on the first call to each service, so that
 * every service the deploy uses is seen failing at least once whatever the interleaving of concurrent calls.
 * FAULT_SEED=<n> replays a seed printed by a failed run.
 */
function faultPlan(rate: number, seed: number): FaultPlan {
  const random = seededRandom(seed ^ 0x5eed);
  const seen = new Set<string>();
  return {
    rate: 1,
    kinds: ALL_FAULT_KINDS,
    seed,
    only: (request) => {
      const first = !seen.has(request.service);
      seen.add(request.service);
      return random() < rate || first;
    },
  };
}

/** Proxy figures in one line per part, for t.diagnostic (the lead quotes them). */
function describeStats(stats: FaultStats, seconds: number): string[] {
  const kinds = (counts: Record<string, number>) => Object.entries(counts).map(([kind, n]) => `${kind} ${n}`).join(', ');
  const injected = Object.values(stats.injected).reduce((sum, n) => sum + n, 0);
  return [
    `seed ${stats.seed}; ${stats.total} requests, ${injected} faults injected (${kinds(stats.injected)}); run ${seconds.toFixed(1)} s`,
    ...Object.entries(stats.byService).map(
      ([service, figures]) =>
        `  ${service}: ${figures.requests} requests, ${Object.values(figures.injected).reduce((sum, n) => sum + n, 0)} faults (${kinds(figures.injected)})`,
    ),
  ];
}

before(async () => {
  account = await startLocalAccount();
  await account.provisionModel(name);
  proxy = await startFaultProxy({ target: account.endpointUrl });
  const config = account.sdkConfig;
  s3 = new S3Client(config);
  lambda = new LambdaClient(config);
  sfn = new SFNClient(config);
  ecr = new ECRClient(config);
  repo = modelRepo();
  // A scenario big enough for the sync to make a few hundred S3 calls: 60 small files and one multipart file.
  for (let index = 0; index < 60; index += 1) {
    write(path.join(repo.model, 'scenarios', 'base', 'inputs', 'zones', `zone_${String(index).padStart(3, '0')}.csv`), `zone,pop\n${index},${index * 37}\n`);
  }
  write(path.join(repo.model, 'scenarios', 'high-frequency', 'inputs', 'od_matrix.bin'), randomBytes(9 * 1024 * 1024 + 123));
});

after(async () => {
  s3?.destroy();
  lambda?.destroy();
  sfn?.destroy();
  ecr?.destroy();
  await proxy?.close();
  await account?.stop();
});

describe('a whole deploy through 25% faults of every kind', () => {
  it('ends with exit 0 and exactly the intended state: image, Lambda, definition, every scenario byte', async (t) => {
    const sha = repo.commit('the model, with a large scenario');
    const before = await lambdaNow();
    proxy.setPlan(faultPlan(0.25, Number(process.env.FAULT_SEED ?? 20_251_122)));
    proxy.resetStats();
    const started = performance.now();
    // FAULT_MAX_ATTEMPTS=<n> measures another `max-attempts` than the default.
    const run = await deploy(sha, { scenarios: 'all', ...(process.env.FAULT_MAX_ATTEMPTS ? { 'max-attempts': process.env.FAULT_MAX_ATTEMPTS } : {}) });
    const seconds = (performance.now() - started) / 1000;
    const stats = proxy.stats();
    proxy.setPlan(null);
    for (const line of describeStats(stats, seconds)) t.diagnostic(line);
    const sdkRetriesInLog = (run.stdout.match(/failed \(attempt \d+\), retrying/g) ?? []).length;
    t.diagnostic(`per-file sync retries (debug log): ${sdkRetriesInLog}; outputs: files-uploaded ${run.outputs['files-uploaded']}, bytes ${run.outputs['bytes-uploaded']}`);

    assert.equal(run.exitCode, 0, `seed ${stats.seed}\n${errorMessages(run)}\n${run.stdout.slice(-4000)}`);
    // The faults really hit every part of the deploy (or this test proves nothing).
    for (const service of ['sts', 'ecr', 'lambda', 'states', 's3']) {
      assert.ok((stats.byService[service]?.requests ?? 0) > 0, `${service} was called through the proxy`);
    }
    for (const service of ['sts', 'ecr', 'lambda', 'states', 's3']) {
      const injected = Object.values(stats.byService[service].injected).reduce((sum, n) => sum + n, 0);
      assert.ok(injected >= 1, `${service} got faults (${injected})`);
    }
    assert.ok(Object.values(stats.byService.s3.injected).reduce((sum, n) => sum + n, 0) >= 10, 'the sync met many faults');
    for (const kind of ALL_FAULT_KINDS) assert.ok(stats.injected[kind] > 0, `${kind} faults were injected`);

    const digest = run.outputs['image-digest'];
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await imageDigest(sha), digest, 'the commit tag is the pushed image');
    const fn = await lambdaNow();
    assert.notEqual(fn.imageUri, before.imageUri);
    assert.equal(fn.imageUri, `${account.registryHost}/${name}@${digest}`, 'the Lambda runs the new digest');
    assert.equal(fn.env.IMAGE_TAG, sha);
    assert.equal(fn.env.BUCKET_NAME, name, 'the other variables are kept');
    assert.match(run.outputs['lambda-version'], /^\d+$/);
    assert.deepEqual(await definitionNow(), intendedDefinition(run.outputs['lambda-version']));
    assert.deepEqual(await differingObjects(), [], 'every scenario byte in place');
    assert.ok(!(await remoteKeys()).includes(LOCK_KEY), 'the deploy lock is released');
    deployed = sha;
  });
});

describe('S3 failing', () => {
  it('every request: a non-zero exit with an error, nothing changed or deleted; the rerun without faults heals', async (t) => {
    const stale = path.join(repo.model, 'scenarios', 'base', 'inputs', 'zones', 'zone_000.csv');
    fs.rmSync(stale);
    write(path.join(repo.model, 'scenarios', 'base', 'inputs', 'zones', 'zone_001.csv'), 'zone,pop\n1,1000\n');
    const sha = repo.commit('a zone removed, a zone changed');
    const keysBefore = (await remoteKeys()).sort();
    const lambdaBefore = await lambdaNow();
    const definitionBefore = await definitionNow();

    proxy.setPlan({ rate: 1, kinds: ['server-error', 'throttle', 'reset-before-answer'], seed: 5, only: (request) => request.service === 's3' });
    proxy.resetStats();
    const run = await deploy(sha, { scenarios: 'all', 'delete-removed': 'true' });
    for (const line of describeStats(proxy.stats(), 0)) t.diagnostic(line);
    proxy.setPlan(null);
    assert.notEqual(run.exitCode, 0);
    assert.match(errorMessages(run), new RegExp(`S3 bucket ${name}`), errorMessages(run));
    assert.deepEqual((await remoteKeys()).sort(), keysBefore, 'nothing deleted, nothing added');
    assert.ok(keysBefore.includes('base/inputs/zones/zone_000.csv'));
    assert.equal(await imageDigest(sha), undefined, 'no image pushed');
    assert.deepEqual(await lambdaNow(), lambdaBefore);
    assert.deepEqual(await definitionNow(), definitionBefore);

    const rerun = await deploy(sha, { scenarios: 'all', 'delete-removed': 'true' });
    assert.equal(rerun.exitCode, 0, errorMessages(rerun) + rerun.stdout.slice(-3000));
    assert.deepEqual(await differingObjects(), []);
    assert.ok(!(await remoteKeys()).includes('base/inputs/zones/zone_000.csv'), 'the removed zone is deleted (delete-removed)');
    assert.equal((await lambdaNow()).env.IMAGE_TAG, sha);
    deployed = sha;
  });

  it('one file that keeps failing: the others are synced, its scenario deletes nothing, the run fails naming it; the rerun heals', async (t) => {
    const zones = path.join(repo.model, 'scenarios', 'base', 'inputs', 'zones');
    fs.rmSync(path.join(zones, 'zone_002.csv'));
    for (const index of [3, 4, 5]) write(path.join(zones, `zone_00${index}.csv`), `zone,pop\n${index},${index * 1000 + 1}\n`);
    write(path.join(repo.model, 'scenarios', 'high-frequency', 'inputs', 'params.json'), '{"frequency": "high", "edited": 2}\n');
    const sha = repo.commit('three zones and a parameter changed, a zone removed');

    proxy.setPlan({
      rate: 1,
      kinds: ['server-error', 'reset-before-answer', 'throttle'],
      seed: 11,
      only: (request) => request.service === 's3' && request.method === 'PUT' && request.path.includes('zone_004.csv'),
    });
    proxy.resetStats();
    // 3 attempts per call (×4 per-file tries in the sync) keep this test short: it is about a file that never goes up.
    const run = await deploy(sha, { scenarios: 'all', 'delete-removed': 'true', 'max-attempts': '3' });
    const stats = proxy.stats();
    proxy.setPlan(null);
    for (const line of describeStats(stats, 0)) t.diagnostic(line);
    assert.ok(stats.injected['server-error'] + stats.injected['reset-before-answer'] + stats.injected.throttle >= 4, 'the file was tried again');
    assert.equal(run.exitCode, 1);
    assert.match(errorMessages(run), /base\/inputs\/zones\/zone_004\.csv/, errorMessages(run));
    const differing = await differingObjects();
    assert.deepEqual(differing, ['base/inputs/zones/zone_004.csv'], 'every other file is in place');
    assert.ok((await remoteKeys()).includes('base/inputs/zones/zone_002.csv'), 'no delete in a scenario whose uploads did not all succeed');
    assert.ok(!(await remoteKeys()).includes(LOCK_KEY), 'the deploy lock is released after a failed sync');

    const rerun = await deploy(sha, { scenarios: 'all', 'delete-removed': 'true' });
    assert.equal(rerun.exitCode, 0, errorMessages(rerun));
    assert.equal(rerun.outputs['files-uploaded'], '1', 'the rerun uploads only the missing file');
    assert.deepEqual(await differingObjects(), []);
    assert.ok(!(await remoteKeys()).includes('base/inputs/zones/zone_002.csv'));
    deployed = sha;
  });
});

describe('the deploy lock cannot be released (S3 refuses its DELETE)', () => {
  it(
    'the run reports the real failure (a file that failed), not the release; the lock is left to expire',
    async () => {
      write(path.join(repo.model, 'scenarios', 'base', 'inputs', 'zones', 'zone_010.csv'), 'zone,pop\n10,11\n');
      const sha = repo.commit('a zone changed');
      proxy.setPlan({
        rate: 1,
        kinds: ['server-error'],
        seed: 13,
        only: (request) =>
          request.service === 's3' &&
          ((request.method === 'DELETE' && request.path.includes('.deploy-lock.json')) || (request.method === 'PUT' && request.path.includes('zone_010.csv'))),
      });
      let run: ActionRun;
      try {
        run = await deploy(sha, { steps: 'scenarios', scenarios: 'base' });
      } finally {
        proxy.setPlan(null);
        await s3.send(new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: name, Key: LOCK_KEY }));
      }
      assert.equal(run.exitCode, 1);
      assert.match(errorMessages(run), /zone_010\.csv/, errorMessages(run));
      assert.ok(run.annotations.some((a) => a.level === 'warning' && /deploy lock/.test(a.message)), 'a warning says the lock was left to expire');
      const rerun = await deploy(sha, { steps: 'scenarios', scenarios: 'base' });
      assert.equal(rerun.exitCode, 0, errorMessages(rerun));
      deployed = sha;
    },
  );
});

describe('a run stopped by SIGTERM in the middle of a sync', () => {
  const TOTAL = 200;
  /** What the stopped run left, for the second test. */
  let stopped: { run: ActionRun; atSignal: number; secondsToStop: number; present: number; staleKept: boolean } | undefined;

  it('leaves nothing half-deleted nor locked, every object whole, and the rerun uploads only what is missing', async (t) => {
    const bulk = path.join(repo.model, 'scenarios', 'bulk');
    for (let index = 0; index < TOTAL; index += 1) {
      write(path.join(bulk, 'inputs', `part_${String(index).padStart(3, '0')}.bin`), randomBytes(64 * 1024));
    }
    // A remote file the sync deletes (delete-removed), which it must never do before every upload of the scenario.
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'bulk/inputs/stale.csv', Body: 'old' }));
    const sha = repo.commit(`a bulk scenario of ${TOTAL} files`);
    const sync = {
      workspace: repo.workspace,
      eventName: 'push',
      sha,
      event: { before: deployed, after: sha },
      inputs: {
        'model-folder': 'quetzal-example',
        'ecr-repository': name,
        'lambda-function': name,
        bucket: name,
        steps: 'scenarios',
        scenarios: 'bulk',
        'upload-concurrency': '4',
        'delete-removed': 'true',
        'lock-timeout-minutes': '0',
      },
      env: { ...account.env, AWS_ENDPOINT_URL: proxy.url },
    };
    // Throttling on 30% of the uploads (SlowDown, retried with backoff) makes the sync last several seconds.
    proxy.setPlan({ rate: 0.3, kinds: ['throttle'], seed: 3, only: (request) => request.method === 'PUT' && request.path.includes('/bulk/inputs/part_') });
    const running = startAction(sync);
    const bulkCount = async () => (await remoteKeys()).filter((key) => key.startsWith('bulk/inputs/part_')).length;
    let atSignal = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && running.child.exitCode === null) {
      atSignal = await bulkCount();
      if (atSignal >= 5) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const signalledAt = performance.now();
    running.child.kill('SIGTERM');
    const run = await running.done;
    const secondsToStop = (performance.now() - signalledAt) / 1000;
    proxy.setPlan(null);
    assert.ok(atSignal > 0 && atSignal < TOTAL, `the signal came in the middle of the sync (${atSignal} of ${TOTAL} uploaded)`);

    const keys = await remoteKeys();
    const present = keys.filter((key) => key.startsWith('bulk/inputs/part_'));
    const staleKept = keys.includes('bulk/inputs/stale.csv');
    stopped = { run, atSignal, secondsToStop, present: present.length, staleKept };
    t.diagnostic(
      `SIGTERM after ${atSignal} of ${TOTAL} uploads; the action ended ${secondsToStop.toFixed(1)} s later, exit ${run.exitCode}, ` +
        `${present.length} of ${TOTAL} uploaded, stale file ${staleKept ? 'kept' : 'deleted'}`,
    );
    assert.ok(staleKept || present.length === TOTAL, 'a delete happens only once every upload of the scenario is done');
    assert.ok(!keys.includes(LOCK_KEY), 'the stopped run released its deploy lock');
    for (const key of present) {
      assert.ok((await remoteBytes(key))!.equals(fs.readFileSync(path.join(repo.model, 'scenarios', key))), `${key} is whole`);
    }

    const rerun = await runActionChild({ ...sync, env: { ...account.env } });
    assert.equal(rerun.exitCode, 0, errorMessages(rerun));
    assert.equal(rerun.outputs['files-uploaded'], String(TOTAL - present.length), 'only what was missing is uploaded');
    assert.equal(rerun.outputs['files-deleted'], staleKept ? '1' : '0');
    const after = await remoteKeys();
    assert.equal(after.filter((key) => key.startsWith('bulk/inputs/part_')).length, TOTAL);
    assert.ok(!after.includes('bulk/inputs/stale.csv'));
  });

  it(
    'stops within seconds: the uploads in flight finish, no new one starts, nothing is deleted, the exit is non-zero',
    () => {
      assert.ok(stopped, 'the first test ran');
      assert.ok(stopped.secondsToStop < 5, `ended ${stopped.secondsToStop.toFixed(1)} s after SIGTERM`);
      assert.ok(stopped.present < TOTAL, `stopped uploading (${stopped.present} of ${TOTAL} uploaded)`);
      assert.ok(stopped.staleKept, 'no delete after a cancel');
      assert.notEqual(stopped.run.exitCode, 0, 'a cancelled run fails');
      assert.match(stopped.run.stdout, /SIGTERM/);
    },
  );
});
