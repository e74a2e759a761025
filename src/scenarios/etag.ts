/**
 * Content comparison through S3 ETags, without downloading anything.
 *
 * A single-part upload's ETag is the MD5 of the content. A multipart upload's ETag is
 * `md5(concat(binary md5 of each part))-N`: it depends on the part size the uploader used.
 * The AWS CLI and boto3 use 8 MiB parts (from 8 MiB files on), @aws-sdk/lib-storage 5 MiB by default,
 * and this action 8 MiB. The part size is inferred from N and the object size.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';

export const MiB = 1024 * 1024;
/** Part size of this action's multipart uploads: the same as the AWS CLI, so both are recognised. */
export const ACTION_PART_SIZE = 8 * MiB;
/** Part sizes whose multipart ETags can be recomputed: CLI/boto3 and this action (8 MiB), lib-storage (5 MiB). */
export const KNOWN_PART_SIZES: readonly number[] = [8 * MiB, 5 * MiB];

export type ParsedEtag = { kind: 'single'; md5: string } | { kind: 'multipart'; digest: string; parts: number } | { kind: 'other' };

/** Reads an ETag as listed by S3 (quoted or not). */
export function parseEtag(etag: string): ParsedEtag {
  const value = etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(value)) return { kind: 'single', md5: value };
  const multipart = /^([0-9a-f]{32})-(\d+)$/.exec(value);
  if (multipart) return { kind: 'multipart', digest: multipart[1], parts: Number(multipart[2]) };
  return { kind: 'other' };
}

export function normaliseEtag(etag: string): string {
  return etag.trim().replace(/^"|"$/g, '').toLowerCase();
}

export function partCount(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

/** The known part sizes that would split an object of `size` bytes into exactly `parts` parts. */
export function candidatePartSizes(size: number, parts: number): number[] {
  return KNOWN_PART_SIZES.filter((partSize) => partCount(size, partSize) === parts);
}

/** The hashes of a local file: its MD5, and its multipart ETag for each requested part size. */
export interface FileHashes {
  md5: string;
  /** part size → multipart ETag (`hex-N`) */
  multipart: Map<number, string>;
}

/** Accumulates the MD5 of the whole content and the multipart ETags for some part sizes, in one pass. */
export class ContentHasher {
  readonly #whole: Hash = createHash('md5');
  readonly #parts: Array<{ partSize: number; current: Hash; filled: number; digests: Buffer[] }>;

  constructor(partSizes: readonly number[]) {
    this.#parts = [...new Set(partSizes)].map((partSize) => ({ partSize, current: createHash('md5'), filled: 0, digests: [] }));
  }

  update(chunk: Buffer): void {
    this.#whole.update(chunk);
    for (const part of this.#parts) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(part.partSize - part.filled, chunk.length - offset);
        part.current.update(offset === 0 && take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
        part.filled += take;
        offset += take;
        if (part.filled === part.partSize) {
          part.digests.push(part.current.digest());
          part.current = createHash('md5');
          part.filled = 0;
        }
      }
    }
  }

  digest(): FileHashes {
    const multipart = new Map<number, string>();
    for (const part of this.#parts) {
      const digests = part.filled > 0 || part.digests.length === 0 ? [...part.digests, part.current.digest()] : part.digests;
      const combined = createHash('md5');
      for (const digest of digests) combined.update(digest);
      multipart.set(part.partSize, `${combined.digest('hex')}-${digests.length}`);
    }
    return { md5: this.#whole.digest('hex'), multipart };
  }
}

/** Hashes a file as a stream (memory stays flat whatever its size). */
export async function hashFile(path: string, partSizes: readonly number[] = [], knownSize?: number): Promise<FileHashes> {
  if (knownSize !== undefined && knownSize <= MiB) return hashBuffer(await readFile(path), partSizes); // small: one read
  const hasher = new ContentHasher(partSizes);
  // One buffer read into again and again: a stream would leave a new 1 MiB buffer behind for every MiB read.
  const buffer = Buffer.allocUnsafe(MiB);
  const file = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, MiB);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hasher.digest();
}

export function hashBuffer(content: Buffer, partSizes: readonly number[] = []): FileHashes {
  const hasher = new ContentHasher(partSizes);
  hasher.update(content);
  return hasher.digest();
}

/** The part sizes to hash a local file with so that a remote ETag can be compared to it. */
export function partSizesToCompare(remoteEtag: string | undefined, remoteSize: number | undefined): number[] {
  if (remoteEtag === undefined || remoteSize === undefined) return [];
  const parsed = parseEtag(remoteEtag);
  return parsed.kind === 'multipart' ? candidatePartSizes(remoteSize, parsed.parts) : [];
}

/**
 * Whether the ETag shows that the remote content equals the local one: 'same', 'different' (another size or
 * another single-part MD5), or 'unknown' (a multipart ETag that no known part size reproduces, or an ETag that is
 * not an MD5, as with SSE-KMS): then what the action recorded decides.
 */
export function compareEtag(remoteEtag: string, remoteSize: number, local: { size: number; hashes: FileHashes }): 'same' | 'different' | 'unknown' {
  if (remoteSize !== local.size) return 'different';
  const parsed = parseEtag(remoteEtag);
  if (parsed.kind === 'single') return parsed.md5 === local.hashes.md5 ? 'same' : 'different';
  if (parsed.kind === 'multipart') {
    const candidates = candidatePartSizes(remoteSize, parsed.parts);
    if (candidates.length === 0) return 'unknown';
    const remote = `${parsed.digest}-${parsed.parts}`;
    for (const partSize of candidates) {
      const computed = local.hashes.multipart.get(partSize);
      if (computed === undefined) return 'unknown';
      if (computed === remote) return 'same';
    }
    // Another uploader may have used another part size giving the same number of parts.
    return 'unknown';
  }
  return 'unknown';
}
