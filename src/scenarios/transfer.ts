/** Writes to the bucket: uploads (single-part or multipart, streamed) and batched deletes, each retried. */
import { readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ACTION_PART_SIZE, hashBuffer, hashFile, MiB, normaliseEtag } from './etag.ts';
import { isConditionFailure, isNotFound } from '../ground/aws-errors.ts';
import { METADATA_COMMIT, METADATA_MD5, readActionMetadata } from './remote.ts';
import { Budget, Slots } from './limit.ts';

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
  /** False for an error that another attempt cannot mend (default: every error is retried). */
  retryIf?: (error: unknown) => boolean;
}

/** On top of the SDK's own retries (max-attempts per call): one more try of the whole file after a pause. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 2, firstDelayMs: 1000 };

export async function withRetries<T>(task: () => Promise<T>, retry: RetryOptions, onRetry?: (error: unknown, attempt: number) => void): Promise<T> {
  let delay = retry.firstDelayMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= retry.attempts || retry.retryIf?.(error) === false) throw error;
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
  /**
   * What the plan saw at the key: the object's ETag, or null when there was none. The write is conditional on it
   * (If-Match / If-None-Match: *); undefined writes whatever is there (on-conflict: overwrite after a conflict).
   */
  planned: string | null | undefined;
}

/** The object at a key is no longer the one the plan saw: someone wrote or deleted it in between. */
export class ChangedSincePlan extends Error {
  readonly key: string;
  constructor(key: string, options?: ErrorOptions) {
    super(`${key} changed in the bucket after the plan was made`, options);
    this.name = 'ChangedSincePlan';
    this.key = key;
  }
}

function conditionOn(planned: string | null | undefined): { IfMatch?: string; IfNoneMatch?: string } {
  if (planned === undefined) return {};
  return planned === null ? { IfNoneMatch: '*' } : { IfMatch: `"${planned}"` };
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
  let md5: string | undefined;
  try {
    return await sendFile(request, (computed) => (md5 = computed));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // Our own write, whose answer was lost and whose request was sent again, fails its condition too: the
    // object then carries this upload's MD5 in its metadata (an outside write through PutObject drops it).
    const now = await readActionMetadata(request.s3, request.bucket, request.key);
    if (now && md5 !== undefined && now.md5 === md5 && now.commit === request.commitSha) return { etag: now.etag, md5 };
    throw new ChangedSincePlan(request.key, { cause: error });
  }
}

async function sendFile(request: UploadRequest, hashed: (md5: string) => void): Promise<UploadResult> {
  const contentType = await contentTypeFor(request.key);
  const params = (md5: string) => {
    const metadata: Record<string, string> = { [METADATA_MD5]: md5 };
    if (request.commitSha) metadata[METADATA_COMMIT] = request.commitSha;
    return { Bucket: request.bucket, Key: request.key, ContentType: contentType, Metadata: metadata, ...conditionOn(request.planned) };
  };
  if (request.size < MULTIPART_THRESHOLD) {
    return uploadMemory.run(request.size, async () => {
      const body = await readFile(request.path);
      if (body.length !== request.size) throw new Error(`${request.path} changed while syncing (size ${body.length}, planned ${request.size})`);
      const md5 = hashBuffer(body).md5;
      if (request.md5 !== undefined && md5 !== request.md5) throw new Error(`${request.path} changed while syncing (content differs from the plan)`);
      hashed(md5);
      const contentMd5 = Buffer.from(md5, 'hex').toString('base64');
      const response = await request.s3.send(withUnsignedPayload(new PutObjectCommand({ ...params(md5), Body: body, ContentMD5: contentMd5 })));
      return { etag: normaliseEtag(response.ETag ?? ''), md5 };
    });
  }
  const md5 = request.md5 ?? (await hashFile(request.path)).md5;
  hashed(md5);
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

const DELETE_CONCURRENCY = 16;

/**
 * Deletes each key only if it still has the ETag the plan saw (DeleteObject with If-Match), retrying each; a key
 * already gone counts as deleted. Returns the keys that failed, with why, and those changed since the plan.
 */
export async function deleteKeys(
  s3: S3Client,
  bucket: string,
  deletes: ReadonlyArray<{ key: string; planned: string | undefined }>,
  retry: RetryOptions,
): Promise<{ deleted: string[]; failures: Array<{ key: string; error: string }>; changed: string[] }> {
  const slots = new Slots(DELETE_CONCURRENCY);
  const result = { deleted: [] as string[], failures: [] as Array<{ key: string; error: string }>, changed: [] as string[] };
  await Promise.all(
    deletes.map(({ key, planned }) =>
      slots.run(async () => {
        try {
          await withRetries(async () => {
            try {
              await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(planned === undefined ? {} : { IfMatch: `"${planned}"` }) }));
            } catch (error) {
              // Gone already (a retry of our own delete, or someone else's): what the plan wanted is true.
              if (!isNotFound(error)) throw error;
            }
          }, { ...retry, retryIf: (error) => !isConditionFailure(error) });
          result.deleted.push(key);
        } catch (error) {
          if (isConditionFailure(error)) result.changed.push(key);
          else result.failures.push({ key, error: (error as Error).message });
        }
      }),
    ),
  );
  result.deleted.sort();
  result.changed.sort();
  return result;
}
