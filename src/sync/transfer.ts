/** Writes to the bucket: uploads (single-part or multipart, streamed) and batched deletes, each retried. */
import { readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { DeleteObjectsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ACTION_PART_SIZE, hashBuffer, hashFile, MiB, normaliseEtag } from './etag.ts';
import { METADATA_COMMIT, METADATA_MD5 } from './remote.ts';
import { Budget } from './limit.ts';

/** Content types the web app and browsers expect; others come from mime-types, then application/octet-stream. */
const CONTENT_TYPES: Record<string, string> = {
  '.geojson': 'application/geo+json',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.parquet': 'application/vnd.apache.parquet',
  '.md': 'text/markdown',
  '.txt': 'text/plain',
};

type MimeTypes = typeof import('mime-types');
let mimeTypes: Promise<MimeTypes> | undefined;
/**
 * mime-types, whose database is a third of the deploy code, is loaded only for an extension the table above does
 * not name: a scenario of CSV, JSON and GeoJSON files never parses it. A CommonJS module: its exports are the
 * namespace's default, in the bundle as in Node.
 */
const loadMimeTypes = () => (mimeTypes ??= import('mime-types').then((module) => (module as unknown as { default: MimeTypes }).default));

export async function contentTypeFor(key: string): Promise<string> {
  const lower = key.toLowerCase();
  const dot = lower.lastIndexOf('.');
  if (dot > lower.lastIndexOf('/')) {
    const known = CONTENT_TYPES[lower.slice(dot)];
    if (known) return known;
  }
  const { lookup } = await loadMimeTypes();
  return lookup(key) || 'application/octet-stream';
}

export interface RetryOptions {
  attempts: number;
  /** Delay before the second attempt; doubles after each failure. */
  firstDelayMs: number;
}

/** On top of the SDK's own retries (max-attempts per call): one more try of the whole file after a pause. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 2, firstDelayMs: 1000 };

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

/**
 * Asks S3 not to check a SHA-256 of the body: the SDK would otherwise hash every byte a second time to sign it.
 * The content stays checked by S3: Content-MD5 (sent with every single-part upload) and the SDK's CRC32 checksum.
 */
export function withUnsignedPayload<T extends PutObjectCommand>(command: T): T {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'quetzalUnsignedPayload' },
  );
  return command;
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
 * Files below this size go in one PutObject from memory; larger ones in 8 MiB parts, several at once. One request
 * instead of a create, three parts and a complete for a 20 MB file, and each byte read and hashed once (rclone's
 * cut-off is 200 MiB; the AWS CLI's 8 MiB).
 */
export const MULTIPART_THRESHOLD = 64 * MiB;
/** Bytes of files held in memory at once by uploads (they wait for room; each is below MULTIPART_THRESHOLD). */
export const UPLOAD_MEMORY_BUDGET = 256 * MiB;
const uploadMemory = new Budget(UPLOAD_MEMORY_BUDGET);

/**
 * Uploads one file; returns the ETag S3 gave it and the MD5 recorded in its metadata.
 * - below 64 MiB: read once, hashed, and sent in one PutObject with Content-MD5, which S3 checks;
 * - larger: hashed, then streamed in 8 MiB parts by lib-storage, 4 at once.
 */
export async function uploadFile(request: UploadRequest): Promise<UploadResult> {
  const contentType = await contentTypeFor(request.key);
  const params = (md5: string) => {
    const metadata: Record<string, string> = { [METADATA_MD5]: md5 };
    if (request.commitSha) metadata[METADATA_COMMIT] = request.commitSha;
    return { Bucket: request.bucket, Key: request.key, ContentType: contentType, Metadata: metadata };
  };
  if (request.size < MULTIPART_THRESHOLD) {
    return uploadMemory.run(request.size, async () => {
      const body = await readFile(request.path);
      if (body.length !== request.size) throw new Error(`${request.path} changed while syncing (size ${body.length}, planned ${request.size})`);
      const md5 = hashBuffer(body).md5;
      if (request.md5 !== undefined && md5 !== request.md5) throw new Error(`${request.path} changed while syncing (content differs from the plan)`);
      const contentMd5 = Buffer.from(md5, 'hex').toString('base64');
      const response = await request.s3.send(withUnsignedPayload(new PutObjectCommand({ ...params(md5), Body: body, ContentMD5: contentMd5 })));
      return { etag: normaliseEtag(response.ETag ?? ''), md5 };
    });
  }
  const md5 = request.md5 ?? (await hashFile(request.path)).md5;
  const upload = new Upload({
    client: request.s3,
    params: { ...params(md5), Body: createReadStream(request.path, { highWaterMark: MiB }), ContentLength: request.size },
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
