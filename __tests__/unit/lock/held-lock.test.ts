/**
 * The held lock's heartbeat, on answers moto never gives: renewals that keep failing, a renewal that meets another
 * run's lock or none, a renewal whose answer was lost. S3 is aws-sdk-client-mock; the clock is node's mock Date,
 * moved by hand; each heartbeat is run by calling `heartbeat()` (the timer's interval is an hour).
 */
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { Logger } from '../../../src/ground/logger.ts';
import { DeployError } from '../../../src/ground/errors.ts';
import type { LockBody } from '../../../src/lock/body.ts';
import { HeldLock, safeHoldSeconds } from '../../../src/lock/held-lock.ts';
import { LOCK_KEY } from '../../../src/lock/store.ts';

const s3Mock = mockClient(S3Client);
const T0 = Date.parse('2025-06-01T12:00:00.000Z');
const TTL_SECONDS = 60;
/** The read that confirmed the lock was sent at T0 and found it just written: S3 wrote it by T0 - 1 s at the latest. */
const CONFIRMED_AT = T0 - 1000;
const HOLD_MS = safeHoldSeconds(TTL_SECONDS) * 1000; // 48 s

const ours: LockBody = { version: 1, token: 'our-token', runId: 'run-a', startedAt: new Date(T0).toISOString(), renewedAt: '', expiresAt: '', ttlSeconds: TTL_SECONDS };
const theirs: LockBody = { ...ours, token: 'their-token', runId: 'run-b' };

function awsError(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message: name });
}
const networkError = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

/** The lock object as GetObject answers it, last written at the moment of the read (mock clock). */
function lockObject(body: LockBody, etag: string): GetObjectCommandOutput {
  const text = JSON.stringify(body);
  return { $metadata: {}, ETag: etag, LastModified: new Date(Date.now()), ContentLength: text.length, Body: { transformToString: async () => text } as GetObjectCommandOutput['Body'] };
}

function warningsLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warning: (message) => warnings.push(message), info: () => {}, debug: () => {}, secret: () => {}, group: (_title, task) => task() };
}

function holdLock(logger: Logger = warningsLogger()): HeldLock {
  const taken = { body: ours, etag: '"e1"', lastModified: new Date(T0), serverNow: new Date(T0), sentAt: T0 };
  return new HeldLock(new S3Client({ region: 'us-east-1' }), { bucket: 'b', ttlSeconds: TTL_SECONDS, heartbeatSeconds: 3600 }, logger, taken);
}

const putConditions = () => s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.IfMatch);
const deleteConditions = () => s3Mock.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.IfMatch);

beforeEach(() => mock.timers.enable({ apis: ['Date'], now: T0 }));
afterEach(() => {
  mock.timers.reset();
  s3Mock.reset();
});

describe('renewing a held lock', () => {
  test('each renewal rewrites the lock under If-Match of our latest ETag, and the hold counts from when it was sent', async () => {
    s3Mock.on(PutObjectCommand).resolvesOnce({ ETag: '"e2"' }).resolvesOnce({ ETag: '"e3"' });
    const lock = holdLock();
    mock.timers.tick(40_000);
    await lock.heartbeat();
    mock.timers.tick(40_000);
    await lock.heartbeat();
    mock.timers.tick(HOLD_MS); // exactly the safe hold time after the last renewal was sent
    assert.equal(lock.isHeld(), true);
    lock.assertHeld();

    assert.deepEqual(putConditions(), ['"e1"', '"e2"']);
    const written = JSON.parse(String(s3Mock.commandCalls(PutObjectCommand)[1].args[0].input.Body)) as LockBody;
    assert.equal(written.token, 'our-token');
    assert.equal(written.renewedAt, new Date(T0 + 80_000).toISOString());
    assert.equal(written.expiresAt, new Date(T0 + 80_000 + TTL_SECONDS * 1000).toISOString());
    assert.equal(s3Mock.commandCalls(PutObjectCommand)[1].args[0].input.Key, LOCK_KEY);

    await lock.release();
    assert.deepEqual(deleteConditions(), ['"e3"']);
  });

  test('renewals failing on network errors: held until the safe hold time since the last landed write, then assertHeld throws', async () => {
    s3Mock.on(PutObjectCommand).rejects(networkError());
    const logger = warningsLogger();
    const lock = holdLock(logger);
    for (let beat = 1; beat <= 3; beat += 1) {
      mock.timers.tick(15_000);
      await lock.heartbeat();
    }
    mock.timers.tick(CONFIRMED_AT + HOLD_MS - Date.now()); // the last moment the lock is surely ours
    assert.equal(lock.isHeld(), true);
    lock.assertHeld();
    assert.equal(logger.warnings.length, 3);
    assert.match(logger.warnings[0], /^Could not renew the deploy lock s3:\/\/b\/_common\/\.deploy-lock\.json \(Error: read ECONNRESET\); will retry\.$/);

    mock.timers.tick(1);
    assert.equal(lock.isHeld(), false);
    assert.throws(
      () => lock.assertHeld(),
      (error: Error) => {
        assert.ok(error instanceof DeployError);
        assert.equal(
          error.message,
          `The deploy lock s3://b/${LOCK_KEY} could not be renewed since ${new Date(CONFIRMED_AT).toISOString()} (48 s ago; last error Error: read ECONNRESET): it expires 60 s after its last renewal, so it may have been taken by another deploy; stopped before writing more.`,
        );
        return true;
      },
    );
    await lock.release();
  });

  test('a renewal that lands after renewals failed past the safe hold time makes the lock held again (its If-Match proved nobody replaced it)', async () => {
    s3Mock.on(PutObjectCommand).rejectsOnce(networkError()).resolves({ ETag: '"e2"' });
    const lock = holdLock();
    mock.timers.tick(HOLD_MS);
    await lock.heartbeat();
    assert.equal(lock.isHeld(), false);
    await lock.heartbeat();
    assert.equal(lock.isHeld(), true);
    lock.assertHeld();
    await lock.release();
  });

  test("a renewal that finds another run's token: the lock is lost, assertHeld names the new holder, no more writes, release leaves it", async () => {
    s3Mock.on(PutObjectCommand).rejects(awsError('PreconditionFailed', 412));
    s3Mock.on(GetObjectCommand).callsFake(() => lockObject(theirs, '"theirs"'));
    const logger = warningsLogger();
    const lock = holdLock(logger);
    mock.timers.tick(20_000);
    await lock.heartbeat();

    assert.equal(lock.isHeld(), false);
    assert.throws(() => lock.assertHeld(), (error: Error) => error instanceof DeployError && /^The deploy lock \S+ was taken by run run-b since \S+ while this run held it;/.test(error.message));
    assert.match(logger.warnings[0], /is no longer ours: now held by run run-b since /);
    await lock.heartbeat();
    assert.equal(s3Mock.commandCalls(PutObjectCommand).length, 1, 'a lost lock is not renewed');

    await lock.release();
    assert.equal(s3Mock.commandCalls(DeleteObjectCommand).length, 0, 'never deletes a lock it does not hold');
    assert.match(logger.warnings.at(-1)!, /^Left the deploy lock \S+ in place: it belongs to run run-b since /);
  });

  test('a renewal that finds the lock deleted: lost to nobody', async () => {
    s3Mock.on(PutObjectCommand).rejects(awsError('NoSuchKey', 404));
    s3Mock.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404));
    const lock = holdLock();
    await lock.heartbeat();
    assert.equal(lock.isHeld(), false);
    assert.throws(() => lock.assertHeld(), /was taken by nobody \(the lock object was deleted\) while this run held it/);
    await lock.release();
  });

  test('a renewal answered 412 that finds our own token (its answer was lost): still held, the next writes use the ETag read back', async () => {
    s3Mock.on(PutObjectCommand).rejectsOnce(awsError('PreconditionFailed', 412)).resolves({ ETag: '"e4"' });
    s3Mock.on(GetObjectCommand).callsFake(() => lockObject(ours, '"e3"'));
    const lock = holdLock();
    mock.timers.tick(40_000);
    await lock.heartbeat();
    mock.timers.tick(40_000); // 80 s after taking it: held thanks to the write found at 40 s
    assert.equal(lock.isHeld(), true);
    await lock.heartbeat();
    assert.deepEqual(putConditions(), ['"e1"', '"e3"']);
    await lock.release();
    assert.deepEqual(deleteConditions(), ['"e4"']);
  });

  test('a renewal answered 412 whose read-back fails too: still ours, retried at the next heartbeat', async () => {
    s3Mock.on(PutObjectCommand).rejects(awsError('PreconditionFailed', 412));
    s3Mock.on(GetObjectCommand).rejects(networkError());
    const lock = holdLock();
    await lock.heartbeat();
    assert.equal(lock.isHeld(), true);
    await lock.heartbeat();
    assert.equal(s3Mock.commandCalls(PutObjectCommand).length, 2);
    await lock.release();
  });
});

describe('releasing a held lock', () => {
  test('a delete answered 412 that finds our token under another ETag deletes that version', async () => {
    s3Mock.on(DeleteObjectCommand).rejectsOnce(awsError('PreconditionFailed', 412)).resolves({});
    s3Mock.on(GetObjectCommand).callsFake(() => lockObject(ours, '"e7"'));
    const lock = holdLock();
    await lock.release();
    assert.deepEqual(deleteConditions(), ['"e1"', '"e7"']);
    assert.equal(lock.isHeld(), false);
    assert.throws(() => lock.assertHeld(), /already released/);
  });

  test('release never throws: on an S3 error it warns that the lock expires by itself', async () => {
    s3Mock.on(DeleteObjectCommand).rejects(awsError('InternalError', 500));
    const logger = warningsLogger();
    const lock = holdLock(logger);
    await lock.release();
    assert.deepEqual(logger.warnings, [`Could not release the deploy lock s3://b/${LOCK_KEY}; it expires by itself 60 s after its last renewal.`]);
  });
});
