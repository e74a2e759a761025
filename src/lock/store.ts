/** The lock object on S3: read with S3's own clock, written and deleted only under a condition. */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isNotFound } from '../ground/aws-errors.ts';
import { MAX_LOCK_BYTES, parseBody, type HolderBody, type LockBody } from './body.ts';

export const LOCK_KEY = '_common/.deploy-lock.json';

/** `s3://<bucket>/_common/.deploy-lock.json`, as messages name the lock. */
export const lockUrl = (bucket: string) => `s3://${bucket}/${LOCK_KEY}`;

/** A lock as read from S3. */
export interface ReadLock {
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

/** A lock read back whose body we understand. */
export type ReadBody = ReadLock & { body: HolderBody };

/** True when the lock read carries `token`: a write of ours is the latest. */
export function isOurs(lock: ReadLock | undefined, token: string): lock is ReadBody {
  return lock?.body?.token === token;
}

/** The condition of a write: create only when absent, or replace only the version with this ETag. */
export type WriteCondition = { IfNoneMatch: '*' } | { IfMatch: string };

/** Reads the lock (undefined when there is none), with S3's own clock from the answer's Date header. */
export async function readLock(s3: S3Client, bucket: string): Promise<ReadLock | undefined> {
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
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Writes the lock under `condition`; returns the new ETag (when S3 gave one). */
export async function writeLock(s3: S3Client, bucket: string, body: LockBody, condition: WriteCondition): Promise<string | undefined> {
  const answer = await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: LOCK_KEY, Body: JSON.stringify(body, null, 2), ContentType: 'application/json', ...condition }),
  );
  return answer.ETag;
}

/** Deletes the lock if its ETag is still `etag`. */
export async function deleteLock(s3: S3Client, bucket: string, etag: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: LOCK_KEY, IfMatch: etag }));
}

/** The holder's TTL (bounded when parsed), ours when unknown. */
export const ttlOf = (lock: ReadLock, fallbackTtlSeconds: number) => lock.body?.ttlSeconds ?? fallbackTtlSeconds;

/**
 * Expired on S3's clock: LastModified + the holder's TTL is past (our TTL when the holder's is unknown). Both
 * times are whole seconds (HTTP dates), rounded down: the strict comparison makes a lock expire between TTL and
 * TTL + 1 s after its last write, never before.
 */
export function isExpired(lock: ReadLock, fallbackTtlSeconds: number): boolean {
  return lock.serverNow.getTime() > expiresOnS3(lock, fallbackTtlSeconds).getTime();
}

/** When S3 deems the lock expired unless it is renewed first (S3's clock). */
export function expiresOnS3(lock: ReadLock, fallbackTtlSeconds: number): Date {
  return new Date(lock.lastModified.getTime() + ttlOf(lock, fallbackTtlSeconds) * 1000);
}

/**
 * The latest local time at which the lock was surely already written as read: the read's send time less the
 * lock's age on S3's clock, less 1 s as both of S3's times are whole seconds. Conservative: never later than the write.
 */
export function writtenBy(lock: ReadLock): number {
  const age = Math.max(0, lock.serverNow.getTime() - lock.lastModified.getTime());
  return lock.sentAt - age - 1000;
}
