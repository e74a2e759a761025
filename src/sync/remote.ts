/**
 * What the bucket holds under a prefix, and the record of what the action wrote there.
 *
 * The record ("manifest", one JSON object per scenario under `_common/.quetzal-deploy/`) maps each file the
 * action uploaded or found identical to the local file to the ETag it had then. An object whose ETag no longer
 * matches its record was changed outside the action (a web-app edit). Object metadata alone cannot tell that:
 * an edit through PutObject drops the metadata, which makes it look like an object from the old scripts.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
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
  files: Record<string, ManifestEntry>;
}

/** Every object under `prefix` (all pages). */
export async function listPrefix(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, RemoteObject>> {
  const objects = new Map<string, RemoteObject>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined || !item.Key.startsWith(prefix)) continue;
      const rel = item.Key.slice(prefix.length);
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

function isMissing(error: unknown): boolean {
  if (error instanceof NoSuchKey || error instanceof NotFound) return true;
  const name = (error as { name?: string })?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}

export async function readManifest(s3: S3Client, bucket: string, key: string): Promise<SyncManifest | null> {
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as SyncManifest;
    if (parsed?.version !== 1 || typeof parsed.files !== 'object' || parsed.files === null) return null;
    return parsed;
  } catch {
    return null; // a damaged record is treated as no record: content comparison still protects identical files
  }
}

export async function writeManifest(s3: S3Client, bucket: string, key: string, manifest: SyncManifest): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(manifest),
      ContentType: 'application/json',
    }),
  );
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
    if (isMissing(error)) return null;
    throw error;
  }
}
