/** Writes to the bucket: uploads (single-part, or multipart in lent part buffers) and deletes, each retried. */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ACTION_PART_SIZE, hashBuffer, hashFile, MiB, normaliseEtag } from './etag.ts';
import { isConditionFailure, isNotFound } from '../ground/aws-errors.ts';
import { METADATA_COMMIT, METADATA_MD5, readActionMetadata } from './remote.ts';
import { BufferPool, Slots } from './limit.ts';

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
export function withUnsignedPayload<T extends PutObjectCommand | UploadPartCommand>(command: T): T {
  (command as PutObjectCommand).middlewareStack.add(
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

/** Files up to this size are read whole into a buffer of their own: with the upload slots, a bounded amount. */
const SMALL_FILE_BYTES = MiB;
/**
 * Files up to one part go in one PutObject, larger ones in 8 MiB parts (as the AWS CLI and boto3 cut them, so that
 * either one's ETags are recognised), PARTS_IN_FLIGHT of a file at once.
 */
export const MULTIPART_THRESHOLD = ACTION_PART_SIZE;
const PARTS_IN_FLIGHT = 4;
/**
 * The memory of every upload in flight above SMALL_FILE_BYTES, whatever the mix of files: PART_BUFFERS buffers of
 * one part each, made as they are first needed and then reused. A part (or a file of at most one part) is read
 * straight into one, sent, and gives it back; an upload waits for a free one. So the bytes held are at most
 * PART_BUFFERS × 8 MiB plus upload-concurrency × SMALL_FILE_BYTES, for a tree of large files as for one of small
 * ones. The figures behind the size: bench/README.md (`npx node bench/sync-scale.ts`).
 */
export const PART_BUFFERS = 12;

const partBuffers = new BufferPool(PART_BUFFERS, ACTION_PART_SIZE);

/**
 * Uploads one file; returns the ETag S3 gave it and the MD5 recorded in its metadata.
 * - up to 8 MiB: read once into memory, hashed, and sent in one PutObject with Content-MD5, which S3 checks;
 * - larger: hashed (streaming), then sent in 8 MiB parts, each read into a lent buffer and checked by its CRC32;
 *   the upload completes only if the key still holds what the plan saw.
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
  const metadata: Record<string, string> = {};
  if (request.commitSha) metadata[METADATA_COMMIT] = request.commitSha;
  const object = { Bucket: request.bucket, Key: request.key, ContentType: contentType };
  if (request.size > MULTIPART_THRESHOLD) {
    const md5 = request.md5 ?? (await hashFile(request.path)).md5;
    hashed(md5);
    return { etag: await sendParts(request, { ...object, Metadata: { ...metadata, [METADATA_MD5]: md5 } }), md5 };
  }
  const put = async (body: Buffer) => {
    const md5 = hashBuffer(body).md5;
    if (request.md5 !== undefined && md5 !== request.md5) throw new Error(`${request.path} changed while syncing (content differs from the plan)`);
    hashed(md5);
    const command = new PutObjectCommand({
      ...object,
      Metadata: { ...metadata, [METADATA_MD5]: md5 },
      Body: body,
      ContentMD5: Buffer.from(md5, 'hex').toString('base64'),
      ...conditionOn(request.planned),
    });
    const response = await request.s3.send(withUnsignedPayload(command));
    return { etag: normaliseEtag(response.ETag ?? ''), md5 };
  };
  if (request.size <= SMALL_FILE_BYTES) {
    const body = await readFile(request.path);
    if (body.length !== request.size) throw new Error(`${request.path} changed while syncing (size ${body.length}, planned ${request.size})`);
    return put(body);
  }
  return withFile(request, (file) => partBuffers.use(async (buffer) => put(await readRange(file, buffer, 0, request.size))));
}

/**
 * A multipart upload: CreateMultipartUpload (CRC32 checksums), the parts PARTS_IN_FLIGHT at a time, each in a lent
 * buffer, then CompleteMultipartUpload conditional on what the plan saw. Aborted on any failure: no part is left.
 */
async function sendParts(request: UploadRequest, object: { Bucket: string; Key: string; ContentType: string; Metadata: Record<string, string> }): Promise<string> {
  const { s3 } = request;
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ ...object, ChecksumAlgorithm: 'CRC32' }));
  if (!UploadId) throw new Error(`CreateMultipartUpload for ${request.key} answered no upload id`);
  try {
    const parts = await withFile(request, async (file) => {
      const count = Math.ceil(request.size / ACTION_PART_SIZE);
      const done: CompletedPart[] = [];
      let next = 0;
      const sendNext = async (): Promise<void> => {
        for (let index = next++; index < count; index = next++) {
          const offset = index * ACTION_PART_SIZE;
          const length = Math.min(ACTION_PART_SIZE, request.size - offset);
          const part = await partBuffers.use(async (buffer) => {
            const body = await readRange(file, buffer, offset, length);
            const command = new UploadPartCommand({ Bucket: object.Bucket, Key: object.Key, UploadId, PartNumber: index + 1, Body: body, ContentLength: length, ChecksumAlgorithm: 'CRC32' });
            return s3.send(withUnsignedPayload(command));
          });
          done.push({ PartNumber: index + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, count) }, sendNext));
      return done.sort((a, b) => a.PartNumber! - b.PartNumber!);
    });
    const response = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: object.Bucket, Key: object.Key, UploadId, MultipartUpload: { Parts: parts }, ...conditionOn(request.planned) }),
    );
    return normaliseEtag(response.ETag ?? '');
  } catch (error) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: object.Bucket, Key: object.Key, UploadId })).catch(() => {});
    throw error;
  }
}

/** Runs `task` on the open file, after checking it still has the size the plan saw. */
async function withFile<T>(request: UploadRequest, task: (file: FileHandle) => Promise<T>): Promise<T> {
  const file = await open(request.path, 'r');
  try {
    const { size } = await file.stat();
    if (size !== request.size) throw new Error(`${request.path} changed while syncing (size ${size}, planned ${request.size})`);
    return await task(file);
  } finally {
    await file.close();
  }
}

/** `length` bytes of the file from `offset`, read into the start of `buffer`. */
async function readRange(file: FileHandle, buffer: Buffer, offset: number, length: number): Promise<Buffer> {
  for (let read = 0; read < length; ) {
    const { bytesRead } = await file.read(buffer, read, length - read, offset + read);
    if (bytesRead === 0) throw new Error('the file got shorter while syncing');
    read += bytesRead;
  }
  return buffer.subarray(0, length);
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
