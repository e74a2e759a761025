/** Taking the deploy lock: create it, or replace it once expired, or wait for its holder (see index.ts). */
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { describeError, errorName, httpStatus, isAccessDenied, isConditionFailure, isNotFound } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import type { Logger } from '../ground/logger.ts';
import { MAX_HOLDER_TTL_SECONDS, MIN_HOLDER_TTL_SECONDS, describeHolder, holderTtlSeconds, ownBody, type LockOwner } from './body.ts';
import { HeldLock, type DeployLock, type HeartbeatOptions } from './held-lock.ts';
import { expiresOnS3, isExpired, isOurs, lockUrl, readLock, ttlOf, writeLock, type ReadBody, type ReadLock, type WriteCondition } from './store.ts';

const DEFAULT_POLL_SECONDS = 10;

export interface DeployLockOptions extends HeartbeatOptions {
  owner: LockOwner;
  /** How long to wait for another run's lock; 0: fail at once. */
  waitSeconds: number;
  /** Seconds between two looks at a held lock (default 10). */
  pollSeconds?: number;
  /**
   * Pause before the read-back that confirms a new lock is ours (default 0: S3's conditional writes are atomic and
   * strongly consistent; a pause only guards emulators whose check-then-write is not, at a second per deploy).
   */
  settleSeconds?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
}

/** An S3 error met while taking the lock, as a DeployError saying what to do. */
function lockError(error: unknown, doing: string, bucket: string): never {
  if (error instanceof DeployError) throw error;
  const name = errorName(error) || 'Error';
  if (httpStatus(error) === 501 || name === 'NotImplemented') {
    throw new DeployError(
      `The S3 endpoint for bucket ${bucket} does not support conditional writes (${name}), which the deploy lock needs.`,
      'Use Amazon S3 (conditional writes since 2024) or an S3-compatible store that supports If-None-Match / If-Match.',
      { cause: error },
    );
  }
  if (isAccessDenied(error)) {
    throw new DeployError(
      `Access denied while ${doing} ${lockUrl(bucket)}: allow s3:GetObject, s3:PutObject and s3:DeleteObject on it for the deploy role.`,
      undefined,
      { cause: error },
    );
  }
  if (name === 'NoSuchBucket') {
    throw new DeployError(`Bucket ${bucket} does not exist: check AWS_BUCKET_NAME in the model's .env and the region.`, undefined, { cause: error });
  }
  throw new DeployError(`Could not ${doing} the deploy lock ${lockUrl(bucket)}: ${describeError(error)}`, 'Re-run the job; if it persists, check S3 access.', { cause: error });
}

/**
 * Takes the model's deploy lock, waiting up to `waitSeconds` for another run to release it (or for its lock to
 * expire). Throws a DeployError naming the holder when the wait runs out. The returned lock renews itself until
 * released.
 */
export async function acquireDeployLock(s3: S3Client, options: DeployLockOptions, logger: Logger): Promise<DeployLock> {
  const { bucket, owner, ttlSeconds, waitSeconds } = options;
  if (holderTtlSeconds(ttlSeconds) === undefined) {
    throw new DeployError(`The deploy lock TTL must be from ${MIN_HOLDER_TTL_SECONDS} s to ${MAX_HOLDER_TTL_SECONDS / 3600} h, got ${ttlSeconds} s.`);
  }
  if (!(waitSeconds >= 0)) throw new DeployError(`The deploy lock wait must be 0 or more, got ${waitSeconds} s.`);
  const pollMs = (options.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
  const settleMs = (options.settleSeconds ?? 0) * 1000;
  const token = randomUUID();
  const startedAt = new Date();
  const deadline = startedAt.getTime() + waitSeconds * 1000;
  const where = lockUrl(bucket);

  /** Writes our body under `condition`, then reads it back: the lock when it is ours (see index.ts), else undefined. */
  const write = async (condition: WriteCondition) => {
    await writeLock(s3, bucket, ownBody(owner, token, startedAt, ttlSeconds), condition);
    if (settleMs > 0) await sleep(settleMs);
    const current = await readLock(s3, bucket);
    return isOurs(current, token) ? current : undefined;
  };
  const hold = (taken: ReadBody) => {
    const lock = new HeldLock(s3, options, logger, taken);
    logger.info(`Took the deploy lock ${where} (expires ${ttlSeconds} s after the last heartbeat).`);
    return lock;
  };

  let lastHolder: string | undefined;
  for (;;) {
    let current: ReadLock | undefined;
    try {
      const confirmed = await write({ IfNoneMatch: '*' });
      if (confirmed) return hold(confirmed);
      current = await readLock(s3, bucket);
    } catch (error) {
      if (!isConditionFailure(error)) lockError(error, 'create', bucket);
      try {
        current = await readLock(s3, bucket);
      } catch (readError) {
        lockError(readError, 'read', bucket);
      }
    }
    if (!current) {
      // Released between our write and our read: try again soon.
      await sleep(Math.min(pollMs, 100));
      continue;
    }

    // Our create took effect but its answer was lost (the SDK's retry then met our own lock).
    if (isOurs(current, token)) return hold(current);

    const holder = describeHolder(current.body);
    if (isExpired(current, ttlSeconds)) {
      try {
        const confirmed = await write({ IfMatch: current.etag });
        if (confirmed) {
          logger.warning(`Took over the deploy lock ${where} from ${holder}: it had expired (no heartbeat for ${ttlOf(current, ttlSeconds)} s; that run probably crashed or was cancelled).`);
          return hold(confirmed);
        }
      } catch (error) {
        if (!isConditionFailure(error) && !isNotFound(error)) lockError(error, 'take over', bucket);
      }
      continue; // someone else replaced or removed it first: look again
    }

    const now = Date.now();
    if (now >= deadline) {
      const waited = waitSeconds > 0 ? ` after waiting ${formatDuration(waitSeconds)}` : '';
      throw new DeployError(
        `Another deploy of this model holds the lock ${where}${waited}: ${holder}, expires ${expiresOnS3(current, ttlSeconds).toISOString()} unless renewed.`,
        waitSeconds > 0
          ? 'Re-run this job once that deploy has finished, or raise lock-timeout-minutes; serialise deploys with a GitHub concurrency group (README: "Two deploys at once").'
          : 'lock-timeout-minutes is 0: re-run once that deploy has finished, or give lock-timeout-minutes a value to wait for it.',
      );
    }
    if (holder !== lastHolder) {
      logger.info(`Waiting for the deploy lock ${where}, held by ${holder} (waiting up to ${formatDuration(Math.max(0, (deadline - now) / 1000))}).`);
      lastHolder = holder;
    } else {
      logger.debug(`Deploy lock still held by ${holder}.`);
    }
    await sleep(Math.max(10, Math.min(pollMs, deadline - now)));
  }
}
