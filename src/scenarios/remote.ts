/**
 * What the bucket holds under a prefix, and the record of what the action wrote there.
 *
 * The record ("manifest", one JSON object per scenario under `_common/.quetzal-deploy/`) maps each file the
 * action uploaded or found identical to the local file to the ETag it had then. An object whose ETag no longer
 * matches its record was changed outside the action (a web-app edit). Object metadata alone cannot tell that:
 * an edit through PutObject drops the metadata, which makes it look like an object from the old scripts.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isConditionFailure, isNotFound } from '../ground/aws-errors.ts';
import { normaliseEtag } from './etag.ts';

export interface RemoteObject {
  /** Key relative to the listed prefix. */
  rel: string;
  etag: string;
  size: number;
}

/** Metadata names (S3 adds `x-amz-meta-`) the action writes on each object it uploads. */
export const METADATA_MD5 = 'quetzal-md5';
export const METADATA_COMMIT = 'quetzal-commit';

export const MANIFEST_PREFIX = '_common/.quetzal-deploy/';

export function manifestKey(target: { kind: 'scenario' | 'common'; name: string }): string {
  return target.kind === 'common' ? `${MANIFEST_PREFIX}common.json` : `${MANIFEST_PREFIX}scenarios/${target.name}.json`;
}

export interface ManifestEntry {
  etag: string;
  md5: string;
  size: number;
  /** Git blob id of the local file when it was clean and tracked: same blob and size, same content. */
  blob?: string;
}

export interface SyncManifest {
  version: 1;
  /** Remote prefix the entries are relative to, e.g. `base/`. */
  prefix: string;
  commit?: string;
  updatedAt: string;
  /** By file path relative to the prefix. A Map: a file may be named `__proto__` or `constructor`. */
  files: Map<string, ManifestEntry>;
}

/**
 * The record of a prefix as the bucket holds it. Only a missing record (404) means a first sync; a record that
 * cannot be read as this action writes it is `damaged`: nothing under the prefix is known to be the action's.
 */
export type ManifestRead =
  | { state: 'missing' }
  | { state: 'read'; manifest: SyncManifest; etag: string }
  | { state: 'damaged'; problem: string; etag: string };

/**
 * A key as S3 lists it with `EncodingType: url` (as the AWS CLI asks, and decodes with unquote_plus): XML cannot
 * carry every character a key may hold (a carriage return comes back as a line feed), the encoded key can.
 */
export function decodeListedKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** Every object under `prefix` (all pages). */
export async function listPrefix(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, RemoteObject>> {
  const objects = new Map<string, RemoteObject>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, EncodingType: 'url' }));
    for (const item of page.Contents ?? []) {
      const key = item.Key === undefined ? undefined : page.EncodingType === 'url' ? decodeListedKey(item.Key) : item.Key;
      if (key === undefined || !key.startsWith(prefix)) continue;
      const rel = key.slice(prefix.length);
      if (rel === '' || rel.endsWith('/')) continue; // folder markers made by consoles
      objects.set(rel, { rel, etag: normaliseEtag(item.ETag ?? ''), size: item.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

export async function prefixHasObjects(s3: S3Client, bucket: string, prefix: string): Promise<boolean> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
  return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
}

/** Records are small: a larger object under the record's key is not one. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export async function readManifest(s3: S3Client, bucket: string, key: string): Promise<ManifestRead> {
  let text: string;
  let etag: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    etag = normaliseEtag(response.ETag ?? '');
    if ((response.ContentLength ?? 0) > MAX_MANIFEST_BYTES) {
      await response.Body?.transformToByteArray().catch(() => undefined);
      return { state: 'damaged', problem: `it is larger than ${MAX_MANIFEST_BYTES} bytes`, etag };
    }
    text = (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if (isNotFound(error)) return { state: 'missing' };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { state: 'damaged', problem: `it is not JSON (${(error as Error).message})`, etag };
  }
  const problem = manifestProblem(parsed);
  if (problem) return { state: 'damaged', problem, etag };
  const record = parsed as { prefix: string; commit?: string; updatedAt: string; files: Record<string, ManifestEntry> };
  return {
    state: 'read',
    etag,
    manifest: {
      version: 1,
      prefix: record.prefix,
      commit: record.commit,
      updatedAt: record.updatedAt,
      files: new Map(Object.entries(record.files).map(([rel, entry]) => [rel, entryOf(entry)])),
    },
  };
}

/** Why `value` is not a record this action wrote (version 1), or undefined. */
function manifestProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const record = value as Record<string, unknown>;
  if (record.version !== 1) return `its version is ${JSON.stringify(record.version) ?? 'missing'}, not 1`;
  if (typeof record.prefix !== 'string') return 'it has no "prefix"';
  if (record.commit !== undefined && typeof record.commit !== 'string') return '"commit" is not a string';
  if (typeof record.updatedAt !== 'string') return 'it has no "updatedAt"';
  if (typeof record.files !== 'object' || record.files === null || Array.isArray(record.files)) return '"files" is not an object';
  for (const [rel, entry] of Object.entries(record.files)) {
    const fields = entry as Record<string, unknown> | null;
    const valid =
      typeof fields === 'object' && fields !== null &&
      typeof fields.etag === 'string' &&
      typeof fields.md5 === 'string' && /^[0-9a-f]{32}$/.test(fields.md5) &&
      Number.isSafeInteger(fields.size) && (fields.size as number) >= 0 &&
      (fields.blob === undefined || typeof fields.blob === 'string');
    if (!valid) return `the entry of ${JSON.stringify(rel)} is not { etag, md5, size }`;
  }
  return undefined;
}

function entryOf(entry: ManifestEntry): ManifestEntry {
  const copy: ManifestEntry = { etag: entry.etag, md5: entry.md5, size: entry.size };
  if (entry.blob !== undefined) copy.blob = entry.blob;
  return copy;
}

/**
 * Writes the record, conditional on what the plan read: `If-Match` its ETag, or `If-None-Match: *` when there
 * was none. A failed condition whose cause was our own write (its answer lost, the request retried) is success.
 */
export async function writeManifest(s3: S3Client, bucket: string, key: string, manifest: SyncManifest, readEtag: string | null): Promise<void> {
  const body = JSON.stringify({ ...manifest, files: Object.fromEntries(manifest.files) });
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        ...(readEtag === null ? { IfNoneMatch: '*' } : { IfMatch: readEtag }),
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const current = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })).then((response) => response.Body?.transformToString('utf-8'));
    if (current !== body) {
      throw new Error(`the record ${key} was changed by someone else during the deploy; it is left as they wrote it (the next deploy compares content again)`, { cause: error });
    }
  }
}

/** The action's metadata on an object, or null when the object is gone. */
export async function readActionMetadata(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ md5?: string; commit?: string; etag: string } | null> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const metadata = head.Metadata ?? {};
    return { md5: metadata[METADATA_MD5], commit: metadata[METADATA_COMMIT], etag: normaliseEtag(head.ETag ?? '') };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
