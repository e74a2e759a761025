/**
 * The deploy lock against a real S3 emulator (moto_server 5.2.1, which implements PutObject If-None-Match / If-Match
 * and DeleteObject If-Match), and through the fault proxy for lost answers and throttling.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { StandardRetryStrategy } from '@smithy/core/retry';
import type { Logger } from '../../../src/ground/logger.ts';
import { DeployError } from '../../../src/ground/errors.ts';
import { LOCK_KEY, acquireDeployLock, safeHoldSeconds, type DeployLockOptions, type LockBody } from '../../../src/lock/index.ts';
import { ALL_FAULT_KINDS, startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.ts';
import { startMotoServer, type MotoServer } from '../../helpers/moto-server.ts';

const MOTO_PORT = 5420;
let moto: MotoServer;
let s3: S3Client;

interface CapturedLogger extends Logger {
  infos: string[];
  warnings: string[];
}
function captureLogger(): CapturedLogger {
  const infos: string[] = [];
  const warnings: string[] = [];
  return {
    infos,
    warnings,
    info: (message) => infos.push(message),
    warning: (message) => warnings.push(message),
    debug: () => {},
    secret: () => {},
    group: (_title, task) => task(),
  };
}

function client(endpoint: string, retryStrategy?: StandardRetryStrategy): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, ...(retryStrategy ? { retryStrategy } : {}) });
}

let counter = 0;
async function newBucket(): Promise<string> {
  const bucket = `lock-${process.pid}-${++counter}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Options for a run named `runId`: quick polls and a short settle, as tests need. */
function options(bucket: string, runId: string, overrides: Partial<DeployLockOptions> = {}): DeployLockOptions {
  return {
    bucket,
    owner: { runId, sha: `${runId}-0123456789abcdef`, actor: `actor-of-${runId}`, url: `https://github.com/o/r/actions/runs/${runId}` },
    ttlSeconds: 60,
    waitSeconds: 0,
    pollSeconds: 0.1,
    settleSeconds: 0.05,
    ...overrides,
  };
}

async function readLockObject(bucket: string): Promise<LockBody | undefined> {
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: LOCK_KEY }));
    return JSON.parse(await answer.Body!.transformToString()) as LockBody;
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  moto = await startMotoServer(MOTO_PORT);
  s3 = client(moto.endpoint);
});
after(async () => {
  s3?.destroy();
  await moto?.stop();
});

describe('the deploy lock on S3 (moto)', () => {
  test('acquire writes a lock naming the holder; release deletes it', async () => {
    const bucket = await newBucket();
    const logger = captureLogger();
    const before = Date.now();
    const lock = await acquireDeployLock(s3, options(bucket, 'run-a', { ttlSeconds: 600 }), logger);
    const body = await readLockObject(bucket);
    assert.ok(body);
    assert.equal(body.runId, 'run-a');
    assert.equal(body.sha, 'run-a-0123456789abcdef');
    assert.equal(body.actor, 'actor-of-run-a');
    assert.equal(body.url, 'https://github.com/o/r/actions/runs/run-a');
    assert.equal(body.ttlSeconds, 600);
    const expires = Date.parse(body.expiresAt);
    assert.ok(expires >= before + 600_000 && expires <= Date.now() + 600_000, body.expiresAt);
    assert.deepEqual(lock.body, body);
    assert.equal(lock.isHeld(), true);
    lock.assertHeld();
    assert.ok(logger.infos.some((line) => line.startsWith(`Took the deploy lock s3://${bucket}/${LOCK_KEY}`)));

    await lock.release();
    assert.equal(await readLockObject(bucket), undefined);
    assert.equal(lock.isHeld(), false);
    assert.throws(() => lock.assertHeld(), /already released/);
    await lock.release(); // idempotent
  });

  test('a second run waits while the lock is held, then takes it once the first releases it', async () => {
    const bucket = await newBucket();
    const first = await acquireDeployLock(s3, options(bucket, 'run-a'), captureLogger());
    const logger = captureLogger();
    const started = Date.now();
    const second = acquireDeployLock(s3, options(bucket, 'run-b', { waitSeconds: 20 }), logger);
    await sleep(700);
    assert.equal((await readLockObject(bucket))?.runId, 'run-a', 'the second run did not take the held lock');
    await first.release();
    const lock = await second;
    assert.ok(Date.now() - started >= 700);
    assert.equal((await readLockObject(bucket))?.runId, 'run-b');
    const waiting = logger.infos.filter((line) => line.startsWith('Waiting for the deploy lock'));
    assert.equal(waiting.length, 1, 'said once who it waits for');
    assert.match(waiting[0], /held by run run-a \(commit run-a-012345, by actor-of-run-a, https:\/\/github\.com\/o\/r\/actions\/runs\/run-a\) since /);
    await lock.release();
  });

  test('after the wait runs out, the error names the holder and what to do', async () => {
    const bucket = await newBucket();
    const holder = await acquireDeployLock(s3, options(bucket, 'run-a'), captureLogger());
    const started = Date.now();
    await assert.rejects(acquireDeployLock(s3, options(bucket, 'run-b', { waitSeconds: 1.2 }), captureLogger()), (error: Error) => {
      assert.ok(error instanceof DeployError);
      assert.doesNotMatch(error.message, /\n/);
      assert.match(error.message, new RegExp(`^Another deploy of this model holds the lock s3://${bucket}/_common/\\.deploy-lock\\.json after waiting 1 s: run run-a \\(commit run-a-012345, by actor-of-run-a, https://github.com/o/r/actions/runs/run-a\\) since \\S+, expires \\S+ unless renewed\\.$`));
      assert.match(error.hint!, /lock-timeout-minutes/);
      assert.match(error.hint!, /concurrency group/);
      return true;
    });
    assert.ok(Date.now() - started >= 1200, 'waited the whole time');
    assert.equal((await readLockObject(bucket))?.runId, 'run-a', 'the holder keeps its lock');
    await holder.release();
  });

  test('with no wait (lock-timeout-minutes 0), a held lock fails at once', async () => {
    const bucket = await newBucket();
    const holder = await acquireDeployLock(s3, options(bucket, 'run-a'), captureLogger());
    const started = Date.now();
    await assert.rejects(acquireDeployLock(s3, options(bucket, 'run-b', { waitSeconds: 0 }), captureLogger()), (error: DeployError) => {
      assert.match(error.message, /^Another deploy of this model holds the lock s3:\/\/\S+: run run-a /);
      assert.match(error.hint!, /lock-timeout-minutes is 0/);
      return true;
    });
    assert.ok(Date.now() - started < 1000);
    await holder.release();
  });

  test('the heartbeat keeps a live lock past its TTL', async () => {
    const bucket = await newBucket();
    const holder = await acquireDeployLock(s3, options(bucket, 'run-a', { ttlSeconds: 2, heartbeatSeconds: 0.4 }), captureLogger());
    await sleep(4500);
    await assert.rejects(acquireDeployLock(s3, options(bucket, 'run-b'), captureLogger()), /held by|holds the lock/);
    assert.equal(holder.isHeld(), true);
    holder.assertHeld(); // renewed all along: still safe to write, past the TTL and past TTL less the margin
    const body = await readLockObject(bucket);
    assert.ok(Date.parse(body!.renewedAt) > Date.parse(body!.startedAt) + 3000, 'renewed');
    await holder.release();
    assert.equal(await readLockObject(bucket), undefined);
  });

  test("a crashed run's lock expires and is taken over; the crashed run's release leaves the new lock alone", async () => {
    const bucket = await newBucket();
    // A run that stops renewing (as if killed): its heartbeat never comes within the TTL.
    const crashedLogger = captureLogger();
    const crashed = await acquireDeployLock(s3, options(bucket, 'run-a', { ttlSeconds: 1, heartbeatSeconds: 3600 }), crashedLogger);
    const logger = captureLogger();
    const lock = await acquireDeployLock(s3, options(bucket, 'run-b', { waitSeconds: 10 }), logger);
    assert.equal((await readLockObject(bucket))?.runId, 'run-b');
    assert.ok(logger.warnings.some((line) => /^Took over the deploy lock .* from run run-a .*: it had expired/.test(line)), logger.warnings.join('\n'));

    await crashed.release();
    assert.equal((await readLockObject(bucket))?.runId, 'run-b', 'release only deletes our own lock');
    assert.ok(crashedLogger.warnings.some((line) => /^Left the deploy lock .* in place: it now belongs to run run-b /.test(line)), crashedLogger.warnings.join('\n'));
    await lock.release();
    assert.equal(await readLockObject(bucket), undefined);
  });

  test('a holder whose lock was taken over finds out at its next heartbeat', async () => {
    const bucket = await newBucket();
    const logger = captureLogger();
    const slow = await acquireDeployLock(s3, options(bucket, 'run-a', { ttlSeconds: 1, heartbeatSeconds: 3.5 }), logger);
    const taker = await acquireDeployLock(s3, options(bucket, 'run-b', { waitSeconds: 10 }), captureLogger());
    await sleep(4000);
    assert.equal(slow.isHeld(), false);
    assert.throws(() => slow.assertHeld(), (error: Error) => error instanceof DeployError && /was taken by run run-b/.test(error.message));
    assert.ok(logger.warnings.some((line) => /no longer ours: now held by run run-b/.test(line)));
    await slow.release();
    assert.equal((await readLockObject(bucket))?.runId, 'run-b');
    await taker.release();
  });

  test('a lock object this action did not write counts as held by an unknown holder (never deleted)', async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: LOCK_KEY, Body: 'locked by hand' }));
    await assert.rejects(acquireDeployLock(s3, options(bucket, 'run-a', { ttlSeconds: 600 }), captureLogger()), /unknown holder/);
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: LOCK_KEY }));
  });

  test('a forged lock with a huge TTL expires after ours: it cannot block deploys forever', async () => {
    for (const ttl of ['1e12', '1e400', '"600"']) {
      const bucket = await newBucket();
      const text = `{"version":1,"token":"forged","runId":"forger","startedAt":"2025-01-01T10:00:00.000Z","renewedAt":"","expiresAt":"","ttlSeconds":${ttl}}`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: LOCK_KEY, Body: text }));
      const logger = captureLogger();
      // Our TTL is 1 s: the forged lock counts as expired 1 to 2 s after its write, on S3's clock.
      const lock = await acquireDeployLock(s3, options(bucket, 'run-a', { ttlSeconds: 1, heartbeatSeconds: 3600, waitSeconds: 20 }), logger);
      assert.equal((await readLockObject(bucket))?.runId, 'run-a', `ttlSeconds ${ttl}`);
      assert.ok(logger.warnings.some((line) => /^Took over the deploy lock .* from run forger since .*: it had expired \(no heartbeat for 1 s;/.test(line)), logger.warnings.join('\n'));
      await lock.release();
    }
  });

  test('a forged lock with a negative TTL does not look expired: it counts for our TTL', async () => {
    const bucket = await newBucket();
    const text = JSON.stringify({ version: 1, token: 'forged', runId: 'forger', startedAt: '2025-01-01T10:00:00.000Z', renewedAt: '', expiresAt: '', ttlSeconds: -5 });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: LOCK_KEY, Body: text }));
    const logger = captureLogger();
    await assert.rejects(acquireDeployLock(s3, options(bucket, 'run-a', { ttlSeconds: 600 }), logger), (error: Error) => {
      assert.ok(error instanceof DeployError);
      assert.match(error.message, /holds the lock .*: run forger since 2025-01-01T10:00:00\.000Z, expires \S+ unless renewed\.$/);
      const expires = Date.parse(/expires (\S+) unless/.exec(error.message)![1]);
      assert.ok(expires > Date.now() + 590_000, `our 600 s TTL applies: ${error.message}`);
      return true;
    });
    assert.equal(logger.warnings.length, 0, 'no takeover');
    assert.equal((await readLockObject(bucket))?.runId, 'forger');
  });

  test('a forged lock with other types and huge texts: messages show bounded strings only', async () => {
    const bucket = await newBucket();
    const text = JSON.stringify({
      version: 1,
      token: 'forged',
      runId: `forger-${'x'.repeat(20_000)}`,
      sha: { toString: 'evil' },
      actor: ['mallory'],
      url: 12345,
      startedAt: 'y'.repeat(20_000),
      ttlSeconds: 600,
    });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: LOCK_KEY, Body: text }));
    await assert.rejects(acquireDeployLock(s3, options(bucket, 'run-a', { ttlSeconds: 600 }), captureLogger()), (error: Error) => {
      assert.ok(error instanceof DeployError);
      assert.ok(error.message.length < 700, `${error.message.length} characters`);
      assert.match(error.message, new RegExp(`: run forger-${'x'.repeat(193)}… since ${'y'.repeat(200)}…, expires `));
      assert.doesNotMatch(error.message, /evil|mallory|12345|commit|by /);
      return true;
    });
  });

  test('a lock object over 64 KiB is not read: an unknown holder', async () => {
    const bucket = await newBucket();
    const text = JSON.stringify({ version: 1, token: 'forged', runId: 'forger', startedAt: 'now', ttlSeconds: 600, padding: 'p'.repeat(70_000) });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: LOCK_KEY, Body: text }));
    await assert.rejects(acquireDeployLock(s3, options(bucket, 'run-a', { ttlSeconds: 600 }), captureLogger()), /holds the lock .*: an unknown holder/);
    assert.equal((await readLockObject(bucket))?.runId, 'forger');
  });

  test('concurrent acquires: exactly one run wins, the others name it', async () => {
    for (let round = 0; round < 8; round += 1) {
      const bucket = await newBucket();
      const runs = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map((id) => `${id}-round${round}`);
      const results = await Promise.allSettled(runs.map((runId) => acquireDeployLock(s3, options(bucket, runId, { settleSeconds: 0.3 }), captureLogger())));
      const winners = results.filter((result) => result.status === 'fulfilled');
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
      const winner = (winners[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireDeployLock>>>).value;
      assert.equal((await readLockObject(bucket))?.runId, winner.body.runId);
      for (const result of results) {
        if (result.status === 'rejected') {
          assert.ok(result.reason instanceof DeployError, String(result.reason));
          assert.match(result.reason.message, new RegExp(`run ${winner.body.runId} `));
        }
      }
      await winner.release();
    }
  });

  test('concurrent runs that wait all get the lock, one after the other, never two at once', async () => {
    const bucket = await newBucket();
    let holding = 0;
    let most = 0;
    const order: string[] = [];
    await Promise.all(
      ['w1', 'w2', 'w3', 'w4'].map(async (runId) => {
        const lock = await acquireDeployLock(s3, options(bucket, runId, { waitSeconds: 30, settleSeconds: 0.3 }), captureLogger());
        holding += 1;
        most = Math.max(most, holding);
        order.push(runId);
        await sleep(200);
        holding -= 1;
        await lock.release();
      }),
    );
    assert.equal(most, 1);
    assert.deepEqual([...order].sort(), ['w1', 'w2', 'w3', 'w4']);
    assert.equal(await readLockObject(bucket), undefined);
  });
});

describe('the deploy lock through faults (throttling, errors, resets, lost answers)', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy({ target: moto.endpoint });
  });
  after(async () => {
    await proxy?.close();
  });

  const quickRetries = () => new StandardRetryStrategy({ maxAttempts: 10, backoff: { setDelayBase: () => {}, computeNextBackoffDelay: () => 5 } });

  test('acquire, renew and release survive 40% faults of every kind on the lock object', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const bucket = await newBucket();
      proxy.resetStats();
      proxy.setPlan({ rate: 0.4, kinds: ALL_FAULT_KINDS, seed, only: (request) => request.path.includes('.deploy-lock.json') });
      const faulty = client(proxy.url, quickRetries());
      try {
        const first = await acquireDeployLock(faulty, options(bucket, `a${seed}`, { ttlSeconds: 3, heartbeatSeconds: 0.3 }), captureLogger());
        const secondLogger = captureLogger();
        const second = acquireDeployLock(faulty, options(bucket, `b${seed}`, { waitSeconds: 30, ttlSeconds: 3, heartbeatSeconds: 0.3 }), secondLogger);
        await sleep(1500); // several heartbeats, some with lost answers
        assert.equal(first.isHeld(), true, `seed ${seed}: the holder kept its lock`);
        assert.equal((await readLockObject(bucket))?.runId, `a${seed}`);
        await first.release();
        const lock = await second;
        assert.equal((await readLockObject(bucket))?.runId, `b${seed}`, `seed ${seed}`);
        assert.equal(secondLogger.warnings.length, 0, `seed ${seed}: no takeover: ${secondLogger.warnings.join(' | ')}`);
        await lock.release();
        assert.equal(await readLockObject(bucket), undefined, `seed ${seed}: released`);
      } finally {
        faulty.destroy();
        proxy.setPlan(null);
      }
      const stats = proxy.stats();
      assert.ok(Object.values(stats.injected).reduce((a, b) => a + b, 0) > 0, `seed ${seed}: faults were injected`);
    }
  });

  test('renewals that keep failing on network errors: assertHeld throws once the last renewal is older than TTL less the margin', async () => {
    const bucket = await newBucket();
    const faulty = client(proxy.url, quickRetries());
    const logger = captureLogger();
    const ttlSeconds = 6;
    const holdMs = safeHoldSeconds(ttlSeconds) * 1000; // 3 s
    const heartbeatMs = 300;
    try {
      const lock = await acquireDeployLock(faulty, options(bucket, 'run-a', { ttlSeconds, heartbeatSeconds: heartbeatMs / 1000 }), logger);
      await sleep(holdMs + 500); // renewals succeed: past the first hold window, the lock is still safe
      lock.assertHeld();
      assert.equal(lock.isHeld(), true);

      // From now on every renewal is cut off before it reaches S3 (the connection drops: a network error).
      proxy.resetStats();
      proxy.setPlan({ rate: 1, kinds: ['reset-before-answer'], seed: 1, only: (request) => request.method === 'PUT' && request.path.includes('.deploy-lock.json') });
      const faultsFrom = Date.now();
      let error: unknown;
      while (!error && Date.now() - faultsFrom < holdMs + 5000) {
        try {
          lock.assertHeld();
          await sleep(50);
        } catch (caught) {
          error = caught;
        }
      }
      const thrownAfter = Date.now() - faultsFrom;
      assert.ok(error instanceof DeployError, `assertHeld threw within the TTL less the margin (+5 s): ${String(error)}`);
      assert.ok(proxy.stats().injected['reset-before-answer'] > 0, 'renewals were attempted and cut off');
      // The last renewal that landed left at most a heartbeat (and a slow request) before the faults.
      assert.ok(thrownAfter >= holdMs - heartbeatMs - 700, `not before TTL less the margin: ${thrownAfter} ms`);
      const since = /could not be renewed since (\S+) \((\d+) s ago; last error ([^)]*)\)/.exec(error.message);
      assert.ok(since, error.message);
      assert.ok(Date.parse(since[1]) <= faultsFrom && Date.parse(since[1]) >= faultsFrom - heartbeatMs - 2000, `since ${since[1]}, faults from ${new Date(faultsFrom).toISOString()}`);
      assert.match(error.message, /it expires 6 s after its last renewal, so it may have been taken by another deploy; stopped before writing more\.$/);
      assert.match(error.hint ?? '', /runner reaches S3.*re-run the job.*lock-ttl-minutes/);
      assert.equal(lock.isHeld(), false);
      assert.ok(logger.warnings.some((line) => /^Could not renew the deploy lock .*; will retry\.$/.test(line)), logger.warnings.join('\n'));

      // S3 back: the lock, still ours (nobody replaced it), is released.
      proxy.setPlan(null);
      await lock.release();
      assert.equal(await readLockObject(bucket), undefined);
    } finally {
      faulty.destroy();
      proxy.setPlan(null);
    }
  });

  test('a create whose answer is lost is recognised as ours', async () => {
    const bucket = await newBucket();
    proxy.resetStats();
    // Lose the answer of the first PUT of the lock: the SDK's retry then meets our own lock (412).
    let puts = 0;
    proxy.setPlan({ rate: 1, kinds: ['lost-answer'], seed: 1, only: (request) => request.method === 'PUT' && request.path.includes('.deploy-lock.json') && ++puts === 1 });
    const faulty = client(proxy.url, quickRetries());
    try {
      const lock = await acquireDeployLock(faulty, options(bucket, 'run-a'), captureLogger());
      assert.equal(proxy.stats().injected['lost-answer'], 1);
      assert.equal((await readLockObject(bucket))?.token, lock.body.token);
      await lock.release();
      assert.equal(await readLockObject(bucket), undefined);
    } finally {
      faulty.destroy();
      proxy.setPlan(null);
    }
  });

  test('a release whose answer is lost still counts as released', async () => {
    const bucket = await newBucket();
    const faulty = client(proxy.url, quickRetries());
    try {
      const lock = await acquireDeployLock(faulty, options(bucket, 'run-a'), captureLogger());
      proxy.resetStats();
      proxy.setPlan({ rate: 1, kinds: ['lost-answer'], seed: 1, only: (request) => request.method === 'DELETE' && proxy.stats().injected['lost-answer'] === 0 });
      const logger = captureLogger();
      await lock.release();
      assert.equal(proxy.stats().injected['lost-answer'], 1);
      assert.equal(await readLockObject(bucket), undefined);
      assert.equal(logger.warnings.length, 0);
    } finally {
      faulty.destroy();
      proxy.setPlan(null);
    }
  });
});
