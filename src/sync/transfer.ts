/** Writes to the bucket: uploads (single-part or multipart, streamed) and batched deletes, each retried. */
import { readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { DeleteObjectsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import mime from 'mime-types';
import { ACTION_PART_SIZE, hashBuffer, hashFile, normaliseEtag } from './etag.ts';
import { METADATA_COMMIT, METADATA_MD5 } from './remote.ts';

/** Content types the web app and browsers expect; others come from mime-types, then application/octet-stream. */
const CONTENT_TYPES: Record<string, string> = {
  '.geojson': 'application/geo+json',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.parquet': 'application/vnd.apache.parquet',
  '.md': 'text/markdown',
  '.txt': 'text/plain',
};

export function contentTypeFor(key: string): string {
  const lower = key.toLowerCase();
  const dot = lower.lastIndexOf('.');
  if (dot > lower.lastIndexOf('/')) {
    const known = CONTENT_TYPES[lower.slice(dot)];
    if (known) return known;
  }
  return mime.lookup(key) || 'application/octet-stream';
}

export interface RetryOptions {
  attempts: number;
  /** Delay before the second attempt; doubles after each failure. */
  firstDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, firstDelayMs: 500 };

export async function withRetries<T>(task: () => Promise<T>, retry: RetryOptions, onRetry?: (error: unknown, attempt: number) => void): Promise<T> {
  let delay = retry.firstDelayMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= retry.attempts) throw error;
      onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, delay * (0.75 + Math.random() / 2)));
      delay *= 2;
    }
  }
}

/** Runs `task` on every item with at most `limit` at once; never rejects (failures are returned). */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A counter of free slots shared by several concurrent loops (uploads of every scenario share one limit). */
export class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const waiter = this.#waiting.shift();
      if (waiter) waiter();
      else this.#free += 1;
    }
  }
}

export interface UploadRequest {
  s3: S3Client;
  bucket: string;
  key: string;
  path: string;
  size: number;
  /** MD5 of the content when the plan computed it; else computed here. */
  md5?: string;
  commitSha?: string;
}

export interface UploadResult {
  etag: string;
  md5: string;
}

/**
 * Uploads one file; returns the ETag S3 gave it and the MD5 recorded in its metadata.
 * Small files go in one PutObject with Content-MD5 (S3 checks it); large ones stream in 8 MiB parts.
 */
export async function uploadFile(request: UploadRequest): Promise<UploadResult> {
  const params = (md5: string) => {
    const metadata: Record<string, string> = { [METADATA_MD5]: md5 };
    if (request.commitSha) metadata[METADATA_COMMIT] = request.commitSha;
    return { Bucket: request.bucket, Key: request.key, ContentType: contentTypeFor(request.key), Metadata: metadata };
  };
  if (request.size < ACTION_PART_SIZE) {
    const body = await readFile(request.path);
    if (body.length !== request.size) throw new Error(`${request.path} changed while syncing (size ${body.length}, planned ${request.size})`);
    const md5 = hashBuffer(body).md5;
    if (request.md5 !== undefined && md5 !== request.md5) throw new Error(`${request.path} changed while syncing (content differs from the plan)`);
    const response = await request.s3.send(new PutObjectCommand({ ...params(md5), Body: body, ContentMD5: Buffer.from(md5, 'hex').toString('base64') }));
    return { etag: normaliseEtag(response.ETag ?? ''), md5 };
  }
  const md5 = request.md5 ?? (await hashFile(request.path)).md5;
  const upload = new Upload({
    client: request.s3,
    params: { ...params(md5), Body: createReadStream(request.path, { highWaterMark: 1024 * 1024 }), ContentLength: request.size },
    partSize: ACTION_PART_SIZE,
    queueSize: 4,
    leavePartsOnError: false,
  });
  const response = await upload.done();
  return { etag: normaliseEtag(response.ETag ?? ''), md5 };
}

/** Deletes keys in batches of 1,000, retrying the keys S3 did not delete; returns those that still failed, with why. */
export async function deleteKeys(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
  retry: RetryOptions,
): Promise<Array<{ key: string; error: string }>> {
  const failures: Array<{ key: string; error: string }> = [];
  for (let start = 0; start < keys.length; start += 1000) {
    let remaining = keys.slice(start, start + 1000);
    let lastErrors = new Map<string, string>();
    let delay = retry.firstDelayMs;
    for (let attempt = 1; attempt <= retry.attempts && remaining.length > 0; attempt += 1) {
      if (attempt > 1) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= 2;
      }
      try {
        const response = await s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: remaining.map((Key) => ({ Key })), Quiet: true } }),
        );
        lastErrors = new Map((response.Errors ?? []).map((error) => [error.Key ?? '', `${error.Code}: ${error.Message ?? ''}`]));
      } catch (error) {
        lastErrors = new Map(remaining.map((key) => [key, (error as Error).message]));
      }
      remaining = remaining.filter((key) => lastErrors.has(key));
    }
    for (const key of remaining) failures.push({ key, error: lastErrors.get(key) ?? 'unknown error' });
  }
  return failures;
}
