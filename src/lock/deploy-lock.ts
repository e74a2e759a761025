/**
 * The deploy lock: one deploy per model at a time, across runs, runners and machines.
 *
 * A JSON object at `_common/.deploy-lock.json` in the model's bucket names its holder. It is taken with S3
 * conditional writes: `PutObject` with `If-None-Match: *` creates it only when absent; an expired lock is replaced
 * with `If-Match: <its ETag>`; the holder renews it (heartbeat) with `If-Match: <our ETag>` and releases it with a
 * conditional `DeleteObject` (`If-Match: <our ETag>`), so a run never deletes or overwrites a lock it does not hold.
 * S3 answers 412 PreconditionFailed when a condition fails and 409 ConditionalRequestConflict when two conditional
 * requests race; both mean "someone else got there first": read the lock again.
 *
 * Expiry is judged on S3's clock only: a lock is expired when the `Date` of S3's answer is past its `LastModified`
 * plus the holder's TTL, so runners with skewed clocks agree. A crashed run's lock therefore frees itself after its
 * TTL; a live holder rewrites it every TTL/3. A holder whose renewals keep failing (network errors, a hung request)
 * stops writing: `assertHeld()` throws once no write of the lock is known to have landed for the TTL less a margin,
 * since S3 may then deem it expired and another run may take it.
 *
 * Every write carries a random token. After a write whose answer was lost (the SDK retried and S3 answered 412),
 * reading the lock back and finding our token tells us the write did happen. After taking the lock, we wait a
 * moment and read it back: on S3 this always finds our token (the conditional write is atomic); it also protects
 * against stores whose conditional check is not atomic with the write (moto 5.2.1 checks, then writes, in a
 * threaded server), where two racing creates could both be answered 200.
 *
 * Permissions: s3:GetObject, s3:PutObject and s3:DeleteObject on `<bucket>/_common/.deploy-lock.json`
 * (a conditional delete with an ETag needs s3:GetObject too).
 */
import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../ground/logger.ts';
import { printable } from '../ground/printable.ts';
import { DeployError } from '../ground/step.ts';

export const LOCK_KEY = '_common/.deploy-lock.json';

/** Defaults of the action inputs. The wait is longer than the TTL, so a crashed run never makes the next one fail. */
export const DEFAULT_LOCK_TIMEOUT_MINUTES = 15;
export const DEFAULT_LOCK_TTL_MINUTES = 10;
const DEFAULT_POLL_SECONDS = 10;
/** The longest a GitHub-hosted job may run: waiting longer makes no sense. */
const MAX_MINUTES = 360;
/**
 * A lock read from the bucket is foreign input: its TTL counts only from 1 s to 24 h (else ours is used, so a
 * forged 1e12 cannot block deploys forever nor a negative one make every lock look expired), each text shown from
 * it is cut to 200 characters, and a lock object larger than 64 KiB is not read at all (an unknown holder).
 */
const MIN_HOLDER_TTL_SECONDS = 1;
const MAX_HOLDER_TTL_SECONDS = 24 * 3600;
const MAX_FIELD_LENGTH = 200;
const MAX_LOCK_BYTES = 64 * 1024;

export interface LockOwner {
  /** GitHub run id (GITHUB_RUN_ID, with the attempt: `123456-2`), or any id naming this run. */
  runId: string;
  sha?: string;
  actor?: string;
  /** Link to the run, shown to whoever waits. */
  url?: string;
}

export interface DeployLockOptions {
  bucket: string;
  owner: LockOwner;
  /** How long the lock lives without a heartbeat (a crashed run's lock frees itself after this). */
  ttlSeconds: number;
  /** How long to wait for another run's lock; 0: fail at once. */
  waitSeconds: number;
  /** Seconds between two looks at a held lock (default 10). */
  pollSeconds?: number;
  /** Seconds between two renewals (default ttlSeconds / 3). */
  heartbeatSeconds?: number;
  /**
   * Pause before the read-back that confirms a new lock is ours (default 0: S3's conditional writes are atomic and
   * strongly consistent; a pause only guards emulators whose check-then-write is not, at a second per deploy).
   */
  settleSeconds?: number;
}

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

/** What the lock object holds. */
export interface LockBody {
  version: 1;
  /** Random id of this acquisition (tells our own writes from others'). */
  token: string;
  runId: string;
  sha?: string;
  actor?: string;
  url?: string;
  /** When this run took the lock (ISO 8601, the holder's clock). */
  startedAt: string;
  /** Last heartbeat (holder's clock). */
  renewedAt: string;
  /** renewedAt + ttlSeconds (holder's clock; shown to people, S3's clock decides). */
  expiresAt: string;
  ttlSeconds: number;
}

/** A lock body as read from the bucket: every text bounded, the TTL only when within bounds. */
export type HolderBody = Omit<LockBody, 'ttlSeconds'> & { ttlSeconds?: number };

/** A lock as read from S3. */
interface ReadLock {
  /** undefined when the object is not a lock body we understand. */
  body?: HolderBody;
  etag: string;
  /** S3's LastModified (S3's clock). */
  lastModified: Date;
  /** The Date of S3's answer (S3's clock); the local clock when absent. */
  serverNow: Date;
  /** Local clock (Date.now()) when the read was sent. */
  sentAt: number;
}

/** Reads the action inputs `lock-timeout-minutes` and `lock-ttl-minutes` ('' = default). */
export function parseLockOptions(get: (inputName: string) => string): { timeoutMinutes: number; ttlMinutes: number } {
  const read = (name: string, fallback: number, minimum: number) => {
    const raw = get(name).trim();
    if (raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < minimum || value > MAX_MINUTES) {
      throw new DeployError(
        `Input ${name} is '${raw}': give a number of minutes from ${minimum} to ${MAX_MINUTES} (default ${fallback}).`,
        name === 'lock-timeout-minutes' ? 'Use 0 to fail at once when another deploy of the model runs.' : undefined,
      );
    }
    return value;
  };
  return {
    timeoutMinutes: read('lock-timeout-minutes', DEFAULT_LOCK_TIMEOUT_MINUTES, 0),
    ttlMinutes: read('lock-ttl-minutes', DEFAULT_LOCK_TTL_MINUTES, 1),
  };
}

/** Who holds a lock, in words: `run 42 (commit 1a2b3c4, by alice, https://...) since 2025-01-01T10:00:00Z`. */
export function describeHolder(body: HolderBody | undefined): string {
  if (!body) return 'an unknown holder (the lock object is not one this action wrote)';
  const details = [body.sha ? `commit ${body.sha.slice(0, 12)}` : '', body.actor ? `by ${body.actor}` : '', body.url ?? ''].filter(Boolean);
  return `run ${body.runId}${details.length ? ` (${details.join(', ')})` : ''} since ${body.startedAt}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface AwsError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}
const status = (error: unknown) => (error as AwsError)?.$metadata?.httpStatusCode;
const errorName = (error: unknown) => (error as AwsError)?.name;
/** 412 (condition failed) or 409 (a concurrent conditional request won): someone else wrote first. */
const lostRace = (error: unknown) =>
  status(error) === 412 || status(error) === 409 || errorName(error) === 'PreconditionFailed' || errorName(error) === 'ConditionalRequestConflict';
const isMissing = (error: unknown) => errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound' || status(error) === 404;

/** A text field of a foreign lock body: a string cut to MAX_FIELD_LENGTH characters, else undefined. */
/** A holder field as the lock object gave it: a string, cut short and made one printable line (it is shown). */
function boundedText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return printable(value.length > MAX_FIELD_LENGTH ? `${value.slice(0, MAX_FIELD_LENGTH)}…` : value);
}

/** The holder's TTL when it is a number of seconds within bounds; undefined otherwise (ours is used then). */
export function holderTtlSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= MIN_HOLDER_TTL_SECONDS && value <= MAX_HOLDER_TTL_SECONDS ? value : undefined;
}

/**
 * A lock body read from the bucket, which anyone who may write there can forge: understood when it is a version 1
 * body with a string token and run id; every text kept is a bounded string, anything else is dropped.
 */
export function parseBody(text: string): HolderBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // not JSON: an unknown holder
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const raw = value as Record<string, unknown>;
  const runId = boundedText(raw.runId);
  if (raw.version !== 1 || typeof raw.token !== 'string' || runId === undefined) return undefined;
  const body: HolderBody = {
    version: 1,
    token: raw.token,
    runId,
    startedAt: boundedText(raw.startedAt) ?? '(unknown time)',
    renewedAt: boundedText(raw.renewedAt) ?? '',
    expiresAt: boundedText(raw.expiresAt) ?? '',
  };
  for (const field of ['sha', 'actor', 'url'] as const) {
    const text = boundedText(raw[field]);
    if (text) body[field] = text;
  }
  const ttlSeconds = holderTtlSeconds(raw.ttlSeconds);
  if (ttlSeconds !== undefined) body.ttlSeconds = ttlSeconds;
  return body;
}

/** Reads the lock (undefined when there is none), with S3's own clock from the answer's Date header. */
async function readLock(s3: S3Client, bucket: string): Promise<ReadLock | undefined> {
  const command = new GetObjectCommand({ Bucket: bucket, Key: LOCK_KEY });
  let serverDate: string | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string> } | undefined)?.headers;
      serverDate = headers?.date ?? headers?.Date;
      return result;
    },
    { step: 'deserialize', name: 'deployLockServerDate' },
  );
  const sentAt = Date.now();
  try {
    const answer = await s3.send(command);
    let body: HolderBody | undefined;
    if ((answer.ContentLength ?? 0) <= MAX_LOCK_BYTES) {
      body = parseBody((await answer.Body?.transformToString()) ?? '');
    } else {
      (answer.Body as { destroy?: () => void } | undefined)?.destroy?.(); // not read: an unknown holder
    }
    const serverNow = serverDate ? new Date(serverDate) : new Date();
    return {
      body,
      etag: answer.ETag ?? '',
      lastModified: answer.LastModified ?? serverNow,
      serverNow: Number.isNaN(serverNow.getTime()) ? new Date() : serverNow,
      sentAt,
    };
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/**
 * Expired on S3's clock: LastModified + the holder's TTL is past (our TTL when the holder's is unknown). Both
 * times are whole seconds (HTTP dates), rounded down: the strict comparison makes a lock expire between TTL and
 * TTL + 1 s after its last write, never before.
 */
function isExpired(lock: ReadLock, fallbackTtlSeconds: number): boolean {
  return lock.serverNow.getTime() > lock.lastModified.getTime() + ttlOf(lock, fallbackTtlSeconds) * 1000;
}

/** The holder's TTL (bounded when parsed), ours when unknown. */
const ttlOf = (lock: ReadLock, fallbackTtlSeconds: number) => lock.body?.ttlSeconds ?? fallbackTtlSeconds;

/**
 * The latest local time at which the lock was surely already written as read: the read's send time less the
 * lock's age on S3's clock, less 1 s as both of S3's times are whole seconds. Conservative: never later than the write.
 */
function writtenBy(lock: ReadLock): number {
  const age = Math.max(0, lock.serverNow.getTime() - lock.lastModified.getTime());
  return lock.sentAt - age - 1000;
}

function wrapAwsError(error: unknown, doing: string, bucket: string): never {
  if (error instanceof DeployError) throw error;
  const name = errorName(error) ?? 'Error';
  const message = (error as Error)?.message ?? String(error);
  if (status(error) === 501 || name === 'NotImplemented') {
    throw new DeployError(
      `The S3 endpoint for bucket ${bucket} does not support conditional writes (${name}), which the deploy lock needs.`,
      'Use Amazon S3 (conditional writes since 2024) or an S3-compatible store that supports If-None-Match / If-Match.',
      { cause: error },
    );
  }
  if (name === 'AccessDenied' || status(error) === 403) {
    throw new DeployError(
      `Access denied while ${doing} s3://${bucket}/${LOCK_KEY}: allow s3:GetObject, s3:PutObject and s3:DeleteObject on it for the deploy role.`,
      undefined,
      { cause: error },
    );
  }
  if (name === 'NoSuchBucket') {
    throw new DeployError(`Bucket ${bucket} does not exist: check AWS_BUCKET_NAME in the model's .env and the region.`, undefined, { cause: error });
  }
  throw new DeployError(`Could not ${doing} the deploy lock s3://${bucket}/${LOCK_KEY}: ${name}: ${message}`, 'Re-run the job; if it persists, check S3 access.', { cause: error });
}

/**
 * Takes the model's deploy lock, waiting up to `waitSeconds` for another run to release it (or for its lock to
 * expire). Throws a DeployError naming the holder when the wait runs out. The returned lock renews itself until
 * released.
 */
export async function acquireDeployLock(s3: S3Client, options: DeployLockOptions, logger: Logger): Promise<DeployLock> {
  const { bucket, owner } = options;
  if (holderTtlSeconds(options.ttlSeconds) === undefined) {
    throw new DeployError(`The deploy lock TTL must be from ${MIN_HOLDER_TTL_SECONDS} s to ${MAX_HOLDER_TTL_SECONDS / 3600} h, got ${options.ttlSeconds} s.`);
  }
  if (!(options.waitSeconds >= 0)) throw new DeployError(`The deploy lock wait must be 0 or more, got ${options.waitSeconds} s.`);
  const pollMs = (options.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
  const settleMs = (options.settleSeconds ?? 0) * 1000;
  const token = randomUUID();
  const startedAt = new Date();
  const deadline = startedAt.getTime() + options.waitSeconds * 1000;
  const where = `s3://${bucket}/${LOCK_KEY}`;

  const makeBody = (): LockBody => {
    const now = new Date();
    return {
      version: 1,
      token,
      runId: boundedText(owner.runId) ?? '',
      ...(owner.sha ? { sha: boundedText(owner.sha) } : {}),
      ...(owner.actor ? { actor: boundedText(owner.actor) } : {}),
      ...(owner.url ? { url: boundedText(owner.url) } : {}),
      startedAt: startedAt.toISOString(),
      renewedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + options.ttlSeconds * 1000).toISOString(),
      ttlSeconds: options.ttlSeconds,
    };
  };
  const put = async (body: LockBody, condition: { IfNoneMatch: '*' } | { IfMatch: string }) => {
    const answer = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: LOCK_KEY, Body: JSON.stringify(body, null, 2), ContentType: 'application/json', ...condition }),
    );
    return answer.ETag ?? '';
  };

  /** After a write that looked successful: is the lock ours? (See the module comment.) */
  const confirm = async (): Promise<ReadLock | undefined> => {
    if (settleMs > 0) await sleep(settleMs);
    const current = await readLock(s3, bucket);
    return current?.body?.token === token ? current : undefined;
  };

  let lastHolder: string | undefined;
  for (;;) {
    let current: ReadLock | undefined;
    try {
      await put(makeBody(), { IfNoneMatch: '*' });
      const confirmed = await confirm();
      if (confirmed) return startHeartbeat(s3, options, logger, confirmed, token);
      current = await readLock(s3, bucket);
    } catch (error) {
      if (!lostRace(error)) wrapAwsError(error, 'create', bucket);
      try {
        current = await readLock(s3, bucket);
      } catch (readError) {
        wrapAwsError(readError, 'read', bucket);
      }
    }
    if (!current) {
      // Released between our write and our read: try again soon.
      await sleep(Math.min(pollMs, 100));
      continue;
    }

    if (current.body?.token === token) {
      // Our create took effect but its answer was lost (the SDK's retry then met our own lock).
      return startHeartbeat(s3, options, logger, current, token);
    }

    const holder = describeHolder(current.body);
    if (isExpired(current, options.ttlSeconds)) {
      try {
        await put(makeBody(), { IfMatch: current.etag });
        const confirmed = await confirm();
        if (confirmed) {
          logger.warning(`Took over the deploy lock ${where} from ${holder}: it had expired (no heartbeat for ${ttlOf(current, options.ttlSeconds)} s; that run probably crashed or was cancelled).`);
          return startHeartbeat(s3, options, logger, confirmed, token);
        }
      } catch (error) {
        if (!lostRace(error) && !isMissing(error)) wrapAwsError(error, 'take over', bucket);
      }
      continue; // someone else replaced or removed it first: look again
    }

    const now = Date.now();
    const expiresOnS3 = new Date(current.lastModified.getTime() + ttlOf(current, options.ttlSeconds) * 1000);
    if (now >= deadline) {
      const waited = options.waitSeconds > 0 ? ` after waiting ${formatDuration(options.waitSeconds)}` : '';
      throw new DeployError(
        `Another deploy of this model holds the lock ${where}${waited}: ${holder}, expires ${expiresOnS3.toISOString()} unless renewed.`,
        options.waitSeconds > 0
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

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
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

/** Wraps a lock we hold: renews it every heartbeat, releases it on demand. */
function startHeartbeat(s3: S3Client, options: DeployLockOptions, logger: Logger, taken: ReadLock, token: string): DeployLock {
  const { bucket } = options;
  const where = `s3://${bucket}/${LOCK_KEY}`;
  let etag = taken.etag;
  const body: LockBody = { ...taken.body!, ttlSeconds: options.ttlSeconds };
  let state: 'held' | 'lost' | 'released' = 'held';
  let lostTo = '';
  let inflight: Promise<void> = Promise.resolve();
  /** Local time by which the lock's latest write had surely landed: S3 expires it TTL seconds after that write. */
  let renewedBy = writtenBy(taken);
  let lastRenewError = '';
  const holdMs = safeHoldSeconds(options.ttlSeconds) * 1000;
  /** True once the lock may have expired on S3: no write of ours is known to have landed for TTL less the margin. */
  const stale = () => Date.now() - renewedBy > holdMs;

  const markLost = (current: ReadLock | undefined) => {
    state = 'lost';
    lostTo = current ? describeHolder(current.body) : 'nobody (the lock object was deleted)';
    clearInterval(timer);
    logger.warning(`The deploy lock ${where} is no longer ours: now held by ${lostTo}. Another deploy of this model may run at the same time.`);
  };

  const renew = async () => {
    if (state !== 'held') return;
    const now = new Date();
    const renewed: LockBody = { ...body, renewedAt: now.toISOString(), expiresAt: new Date(now.getTime() + options.ttlSeconds * 1000).toISOString() };
    try {
      const answer = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: LOCK_KEY, Body: JSON.stringify(renewed, null, 2), ContentType: 'application/json', IfMatch: etag }),
      );
      etag = answer.ETag ?? etag;
      renewedBy = Math.max(renewedBy, now.getTime()); // S3 wrote it after we sent it
      logger.debug(`Renewed the deploy lock ${where} until ${renewed.expiresAt}.`);
    } catch (error) {
      if (!lostRace(error) && !isMissing(error)) {
        lastRenewError = `${errorName(error) ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`;
        logger.warning(`Could not renew the deploy lock ${where} (${lastRenewError}); will retry.`);
        return;
      }
      const current = await readLock(s3, bucket).catch((readError: unknown) => {
        lastRenewError = `${errorName(readError) ?? 'Error'}: ${(readError as Error)?.message ?? String(readError)}`;
        return null;
      });
      if (current === null) return; // unreadable now: retry at the next beat
      if (current?.body?.token === token) {
        etag = current.etag; // our renewal (or an earlier one) happened, its answer was lost
        renewedBy = Math.max(renewedBy, writtenBy(current));
        return;
      }
      markLost(current);
    }
  };

  const heartbeatMs = (options.heartbeatSeconds ?? options.ttlSeconds / 3) * 1000;
  const timer = setInterval(() => {
    inflight = inflight.then(renew, renew);
  }, Math.max(100, heartbeatMs));
  timer.unref(); // a forgotten release must not keep the process alive; the lock then expires

  logger.info(`Took the deploy lock ${where} (expires ${options.ttlSeconds} s after the last heartbeat).`);

  return {
    bucket,
    key: LOCK_KEY,
    body,
    isHeld: () => state === 'held' && !stale(),
    assertHeld: () => {
      if (state === 'lost') {
        throw new DeployError(
          `The deploy lock ${where} was taken by ${lostTo} while this run held it; stopped to avoid two deploys at once.`,
          'Raise lock-ttl-minutes if this run was paused longer than the TTL, then re-run.',
        );
      }
      if (state === 'released') throw new DeployError(`The deploy lock ${where} was already released by this run.`);
      if (stale()) {
        const since = new Date(renewedBy).toISOString();
        const seconds = Math.round((Date.now() - renewedBy) / 1000);
        throw new DeployError(
          `The deploy lock ${where} could not be renewed since ${since} (${seconds} s ago${lastRenewError ? `; last error ${lastRenewError}` : ''}): it expires ${options.ttlSeconds} s after its last renewal, so it may have been taken by another deploy; stopped before writing more.`,
          'Check that the runner reaches S3 (network, proxy, throttling: see the renewal warnings above), then re-run the job; a higher lock-ttl-minutes gives the renewals more time.',
        );
      }
    },
    release: async () => {
      if (state === 'released') return;
      clearInterval(timer);
      await inflight.catch(() => {});
      if (state === 'lost') {
        state = 'released';
        logger.warning(`Left the deploy lock ${where} in place: it belongs to ${lostTo}.`);
        return;
      }
      state = 'released';
      for (let attempt = 0; attempt < 2; attempt += 1) {
        try {
          await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: LOCK_KEY, IfMatch: etag }));
          logger.info(`Released the deploy lock ${where}.`);
          return;
        } catch (error) {
          if (isMissing(error)) return; // already gone (e.g. our delete happened but its answer was lost)
          // Releasing never fails the run: the lock expires by itself, and the run's own error (if any) matters more.
          if (!lostRace(error)) break;
          const current = await readLock(s3, bucket).catch(() => 'unreadable' as const);
          if (current === 'unreadable') break;
          if (!current) return;
          if (current.body?.token !== token) {
            logger.warning(`Left the deploy lock ${where} in place: it now belongs to ${describeHolder(current.body)}.`);
            return;
          }
          etag = current.etag; // ours with another ETag (a renewal whose answer was lost): delete that
        }
      }
      logger.warning(`Could not release the deploy lock ${where}; it expires by itself ${options.ttlSeconds} s after its last renewal.`);
    },
  };
}
