/**
 * A lock this run holds. Its heartbeat rewrites it every TTL/3 with `If-Match: <our ETag>`; `isHeld` and
 * `assertHeld` say whether it is still surely ours; `release` deletes it only while it is.
 *
 * The holder is in one of three states: held, lost (a renewal found another run's lock, or none) and released.
 * While held it is also stale once no write of ours is known to have landed for the TTL less a margin
 * (`safeHoldSeconds`): S3 may then deem it expired and another run may take it, so `assertHeld` throws. A renewal
 * that lands later makes it fresh again (its If-Match proved nobody replaced it).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { describeError, isConditionFailure, isNotFound } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import type { Logger } from '../ground/logger.ts';
import { describeHolder, stamped, type LockBody } from './body.ts';
import { LOCK_KEY, deleteLock, isOurs, lockUrl, readLock, writeLock, writtenBy, type ReadBody, type ReadLock } from './store.ts';

export interface DeployLock {
  readonly bucket: string;
  readonly key: string;
  /** The holder as written in the lock object. */
  readonly body: LockBody;
  /**
   * False once released, once another run has taken the lock (our heartbeat found it replaced), or once it may have
   * expired on S3 (no successful renewal for the TTL less a safety margin).
   */
  isHeld(): boolean;
  /** Throws a DeployError when the lock is not (or may no longer be) ours: call it before each step that writes. */
  assertHeld(): void;
  /** Stops the heartbeat and deletes the lock if (and only if) it is still ours. Idempotent. */
  release(): Promise<void>;
}

export interface HeartbeatOptions {
  bucket: string;
  /** How long the lock lives without a heartbeat (a crashed run's lock frees itself after this). */
  ttlSeconds: number;
  /** Seconds between two renewals (default ttlSeconds / 3). */
  heartbeatSeconds?: number;
}

/**
 * How long after its last successful write the lock still counts as ours: the TTL less a margin for the time a
 * write takes to land and for clocks that drift.
 */
export function safeHoldSeconds(ttlSeconds: number): number {
  // A fifth of the TTL, at least 5 s (slow answers, drift), at most half of it (TTLs of a few seconds, in tests).
  const margin = Math.min(ttlSeconds / 2, Math.max(5, ttlSeconds / 5));
  return ttlSeconds - margin;
}

export class HeldLock implements DeployLock {
  readonly bucket: string;
  readonly key = LOCK_KEY;
  readonly body: LockBody;
  readonly #s3: S3Client;
  readonly #logger: Logger;
  readonly #where: string;
  readonly #holdMs: number;
  readonly #timer: ReturnType<typeof setInterval>;
  #state: 'held' | 'lost' | 'released' = 'held';
  /** The ETag of our latest write: the condition of the next renewal and of the release. */
  #etag: string;
  /** Local time by which our latest write had surely landed: S3 expires the lock TTL seconds after that write. */
  #confirmedAt: number;
  /** Who holds the lock once it is lost. */
  #lostTo = '';
  #lastRenewError = '';
  #inflight: Promise<void> = Promise.resolve();

  /** `taken`: the lock as read back after our write, with our token. Starts the heartbeat. */
  constructor(s3: S3Client, options: HeartbeatOptions, logger: Logger, taken: ReadBody) {
    this.#s3 = s3;
    this.#logger = logger;
    this.bucket = options.bucket;
    this.#where = lockUrl(options.bucket);
    this.body = { ...taken.body, ttlSeconds: options.ttlSeconds };
    this.#etag = taken.etag;
    this.#confirmedAt = writtenBy(taken);
    this.#holdMs = safeHoldSeconds(options.ttlSeconds) * 1000;
    const heartbeatMs = (options.heartbeatSeconds ?? options.ttlSeconds / 3) * 1000;
    this.#timer = setInterval(() => void this.heartbeat(), Math.max(100, heartbeatMs));
    this.#timer.unref(); // a forgotten release must not keep the process alive; the lock then expires
  }

  isHeld(): boolean {
    return this.#state === 'held' && !this.#stale();
  }

  assertHeld(): void {
    if (this.#state === 'lost') {
      throw new DeployError(
        `The deploy lock ${this.#where} was taken by ${this.#lostTo} while this run held it; stopped to avoid two deploys at once.`,
        'Raise lock-ttl-minutes if this run was paused longer than the TTL, then re-run.',
      );
    }
    if (this.#state === 'released') throw new DeployError(`The deploy lock ${this.#where} was already released by this run.`);
    if (this.#stale()) {
      const since = new Date(this.#confirmedAt).toISOString();
      const seconds = Math.round((Date.now() - this.#confirmedAt) / 1000);
      const lastError = this.#lastRenewError ? `; last error ${this.#lastRenewError}` : '';
      throw new DeployError(
        `The deploy lock ${this.#where} could not be renewed since ${since} (${seconds} s ago${lastError}): it expires ${this.body.ttlSeconds} s after its last renewal, so it may have been taken by another deploy; stopped before writing more.`,
        'Check that the runner reaches S3 (network, proxy, throttling: see the renewal warnings above), then re-run the job; a higher lock-ttl-minutes gives the renewals more time.',
      );
    }
  }

  /** One renewal, queued after the one in flight (the timer calls it every heartbeat). */
  heartbeat(): Promise<void> {
    this.#inflight = this.#inflight.then(
      () => this.#renew(),
      () => this.#renew(),
    );
    return this.#inflight;
  }

  async release(): Promise<void> {
    if (this.#state === 'released') return;
    clearInterval(this.#timer);
    await this.#inflight.catch(() => {});
    const wasLost = this.#state === 'lost';
    this.#state = 'released';
    if (wasLost) {
      this.#logger.warning(`Left the deploy lock ${this.#where} in place: it belongs to ${this.#lostTo}.`);
      return;
    }
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await deleteLock(this.#s3, this.bucket, this.#etag);
        this.#logger.info(`Released the deploy lock ${this.#where}.`);
        return;
      } catch (error) {
        if (isNotFound(error)) return; // already gone (e.g. our delete happened but its answer was lost)
        // Releasing never fails the run: the lock expires by itself, and the run's own error (if any) matters more.
        if (!isConditionFailure(error)) break;
        const current = await readLock(this.#s3, this.bucket).catch(() => 'unreadable' as const);
        if (current === 'unreadable') break;
        if (!current) return;
        if (!isOurs(current, this.body.token)) {
          this.#logger.warning(`Left the deploy lock ${this.#where} in place: it now belongs to ${describeHolder(current.body)}.`);
          return;
        }
        this.#etag = current.etag; // ours with another ETag (a renewal whose answer was lost): delete that
      }
    }
    this.#logger.warning(`Could not release the deploy lock ${this.#where}; it expires by itself ${this.body.ttlSeconds} s after its last renewal.`);
  }

  /** True once the lock may have expired on S3: no write of ours is known to have landed for TTL less the margin. */
  #stale(): boolean {
    return Date.now() - this.#confirmedAt > this.#holdMs;
  }

  async #renew(): Promise<void> {
    if (this.#state !== 'held') return;
    const now = new Date();
    const renewed = stamped(this.body, now);
    try {
      this.#etag = (await writeLock(this.#s3, this.bucket, renewed, { IfMatch: this.#etag })) ?? this.#etag;
      this.#confirmedAt = Math.max(this.#confirmedAt, now.getTime()); // S3 wrote it after we sent it
      this.#logger.debug(`Renewed the deploy lock ${this.#where} until ${renewed.expiresAt}.`);
    } catch (error) {
      if (!isConditionFailure(error) && !isNotFound(error)) {
        this.#lastRenewError = describeError(error);
        this.#logger.warning(`Could not renew the deploy lock ${this.#where} (${this.#lastRenewError}); will retry.`);
        return;
      }
      const current = await readLock(this.#s3, this.bucket).catch((readError: unknown) => {
        this.#lastRenewError = describeError(readError);
        return null;
      });
      if (current === null) return; // unreadable now: retry at the next beat
      if (isOurs(current, this.body.token)) {
        this.#etag = current.etag; // our renewal (or an earlier one) happened, its answer was lost
        this.#confirmedAt = Math.max(this.#confirmedAt, writtenBy(current));
        return;
      }
      this.#markLost(current);
    }
  }

  #markLost(current: ReadLock | undefined): void {
    this.#state = 'lost';
    this.#lostTo = current ? describeHolder(current.body) : 'nobody (the lock object was deleted)';
    clearInterval(this.#timer);
    this.#logger.warning(`The deploy lock ${this.#where} is no longer ours: now held by ${this.#lostTo}. Another deploy of this model may run at the same time.`);
  }
}
