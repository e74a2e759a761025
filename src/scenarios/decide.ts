/**
 * The decision for each file of one synced prefix (a scenario or `_common/`): upload, delete, leave, or conflict.
 *
 * Content decides, never time: the local MD5 against the ETag (recomputing multipart ETags), then what the
 * action recorded (its manifest entry, then its object metadata) when the ETag cannot tell.
 *
 * Ownership: a remote object is the action's when its ETag equals the manifest entry, or it carries the
 * action's metadata (an interrupted run uploads before it records). Changing or deleting an object that is not
 * the action's is a conflict, except on the first deploy of a prefix (no manifest yet): then the objects come
 * from the old scripts, and the repository's version replaces them, as the old scripts did.
 */
import type { FileHashes } from './etag.ts';
import { compareEtag, parseEtag } from './etag.ts';
import type { LocalFile } from './local.ts';
import type { ManifestEntry, RemoteObject, SyncManifest } from './remote.ts';

export interface HashedFile extends LocalFile {
  /** Null when no remote object of the same size exists: the file differs for sure, its MD5 is computed at upload. */
  hashes: FileHashes | null;
  /** Git blob id when git tracks the file unmodified. */
  blob?: string;
}

export type UploadReason = 'new' | 'changed' | 'replaces-unrecorded' | 'overwrites-outside-change';
export type DeleteReason = 'removed-locally' | 'removed-locally-unrecorded' | 'overwrites-outside-change';

export interface PlannedUpload {
  rel: string;
  path: string;
  size: number;
  /** Known when the plan had to hash the file; else computed while uploading. */
  md5?: string;
  blob?: string;
  reason: UploadReason;
  /** A run artifact seeded from the repository: not recorded in the manifest. */
  artifact: boolean;
  /** ETag of the remote object the plan saw at this key, or null when there was none: the upload is conditional on it. */
  planned: string | null;
}

export interface PlannedDelete {
  rel: string;
  size: number;
  reason: DeleteReason;
  /** ETag of the remote object the plan saw: the delete is conditional on it. */
  planned: string;
}

export interface Conflict {
  rel: string;
  /** What the action would have done. */
  wanted: 'upload' | 'delete';
  reason: string;
}

export interface PrefixDecision {
  uploads: PlannedUpload[];
  deletes: PlannedDelete[];
  conflicts: Conflict[];
  /** Files whose remote content equals the local one, with what to record for them. */
  unchanged: Array<{ rel: string; entry: ManifestEntry; artifact: boolean }>;
  /** Remote run artifacts that differ from a local file of the same name: the run's version is kept. */
  keptArtifacts: string[];
  /** Remote files absent locally and left in place (delete-removed off, or run artifacts). */
  remoteOnly: string[];
  /** Entries of the old manifest still true of remote files the action leaves alone (carried over). */
  carriedEntries: Map<string, ManifestEntry>;
}

export interface DecideInput {
  local: readonly HashedFile[];
  remote: ReadonlyMap<string, RemoteObject>;
  manifest: SyncManifest | null;
  deleteRemoved: boolean;
  /** Run artifacts: never deleted, never overwritten when they differ. */
  isArtifact: (rel: string) => boolean;
  /** Remote files the sync manages (others under the prefix are ignored entirely). */
  isManaged: (rel: string) => boolean;
  /** The action's metadata on a remote object (one HeadObject), only asked when ETag and manifest cannot tell. */
  readMetadata: (rel: string) => Promise<{ md5?: string; etag: string } | null>;
}

export async function decidePrefix(input: DecideInput): Promise<PrefixDecision> {
  const { manifest } = input;
  const decision: PrefixDecision = {
    uploads: [],
    deletes: [],
    conflicts: [],
    unchanged: [],
    keptArtifacts: [],
    remoteOnly: [],
    carriedEntries: new Map(),
  };
  const metadataCache = new Map<string, Promise<{ md5?: string; etag: string } | null>>();
  const metadata = (rel: string) => {
    let cached = metadataCache.get(rel);
    if (!cached) {
      cached = input.readMetadata(rel);
      metadataCache.set(rel, cached);
    }
    return cached;
  };

  /** Written (or verified) by the action, and not changed since. */
  const ownedByAction = async (remote: RemoteObject): Promise<boolean> => {
    const entry = manifest?.files.get(remote.rel);
    if (entry && entry.etag === remote.etag) return true;
    const meta = await metadata(remote.rel);
    if (!meta?.md5 || meta.etag !== remote.etag) return false;
    const parsed = parseEtag(remote.etag);
    return parsed.kind === 'single' ? parsed.md5 === meta.md5 : true;
  };

  const sameContent = async (local: HashedFile, remote: RemoteObject): Promise<boolean> => {
    if (local.size !== remote.size || local.hashes === null) return false;
    const hashes = local.hashes;
    const entry = manifest?.files.get(remote.rel);
    if (entry && entry.etag === remote.etag) return entry.md5 === hashes.md5 && entry.size === local.size;
    const byEtag = compareEtag(remote.etag, remote.size, { size: local.size, hashes });
    if (byEtag !== 'unknown') return byEtag === 'same';
    const meta = await metadata(remote.rel);
    return meta?.md5 !== undefined && meta.etag === remote.etag && meta.md5 === hashes.md5;
  };

  const conflictReason = (rel: string): string =>
    manifest?.files.has(rel)
      ? 'changed outside the action since the action last wrote it'
      : 'written outside the action (not recorded by an earlier deploy)';

  const localRels = new Set<string>();
  await Promise.all(
    input.local.map(async (local) => {
      localRels.add(local.rel);
      const artifact = input.isArtifact(local.rel);
      const remote = input.remote.get(local.rel);
      const upload = (reason: UploadReason) =>
        decision.uploads.push({ rel: local.rel, path: local.path, size: local.size, md5: local.hashes?.md5, blob: local.blob, reason, artifact, planned: remote?.etag ?? null });
      if (!remote) return upload('new');
      if (await sameContent(local, remote)) {
        const entry: ManifestEntry = { etag: remote.etag, md5: local.hashes!.md5, size: local.size };
        if (local.blob) entry.blob = local.blob;
        decision.unchanged.push({ rel: local.rel, entry, artifact });
        return;
      }
      if (artifact) return decision.keptArtifacts.push(local.rel);
      if (!manifest) return upload('replaces-unrecorded');
      if (await ownedByAction(remote)) return upload('changed');
      decision.conflicts.push({ rel: local.rel, wanted: 'upload', reason: conflictReason(local.rel) });
    }),
  );

  const remoteOnly = [...input.remote.values()].filter((remote) => !localRels.has(remote.rel));
  await Promise.all(
    remoteOnly.map(async (remote) => {
      const entry = manifest?.files.get(remote.rel);
      const keepEntry = () => {
        if (entry && entry.etag === remote.etag) decision.carriedEntries.set(remote.rel, entry);
      };
      if (!input.isManaged(remote.rel)) return keepEntry();
      if (input.isArtifact(remote.rel) || !input.deleteRemoved) {
        decision.remoteOnly.push(remote.rel);
        return keepEntry();
      }
      const remove = (reason: DeleteReason) => decision.deletes.push({ rel: remote.rel, size: remote.size, reason, planned: remote.etag });
      if (!manifest) return remove('removed-locally-unrecorded');
      if (await ownedByAction(remote)) return remove('removed-locally');
      decision.conflicts.push({ rel: remote.rel, wanted: 'delete', reason: conflictReason(remote.rel) });
    }),
  );

  const byRel = <T extends { rel: string }>(a: T, b: T) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0);
  decision.uploads.sort(byRel);
  decision.deletes.sort(byRel);
  decision.conflicts.sort(byRel);
  decision.unchanged.sort(byRel);
  decision.keptArtifacts.sort();
  decision.remoteOnly.sort();
  return decision;
}

/** With on-conflict: overwrite, the conflicting files are uploaded or deleted like the others. */
export function overwriteConflicts(decision: PrefixDecision, local: readonly HashedFile[], remote: ReadonlyMap<string, RemoteObject>): void {
  const localByRel = new Map(local.map((file) => [file.rel, file]));
  for (const conflict of decision.conflicts) {
    const file = localByRel.get(conflict.rel);
    if (conflict.wanted === 'upload' && file) {
      const planned = remote.get(conflict.rel)?.etag ?? null;
      decision.uploads.push({ rel: file.rel, path: file.path, size: file.size, md5: file.hashes?.md5, blob: file.blob, reason: 'overwrites-outside-change', artifact: false, planned });
    } else if (conflict.wanted === 'delete') {
      const seen = remote.get(conflict.rel);
      if (seen) decision.deletes.push({ rel: conflict.rel, size: seen.size, reason: 'overwrites-outside-change', planned: seen.etag });
    }
  }
  decision.conflicts = [];
}
