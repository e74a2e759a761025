/**
 * The sync record of a prefix after an apply: what the action wrote or found identical, by file, with the ETag it
 * had then (see remote.ts). Pure: which record comes next, and whether it has to be written.
 */
import type { PrefixDecision } from './decide.ts';
import type { ManifestEntry, SyncManifest } from './remote.ts';
import type { TargetOutcome } from './types.ts';

export interface NextRecordInput {
  /** The prefix the entries are relative to, e.g. `base/`. */
  prefix: string;
  /** The record the plan read (null: none yet). */
  previous: SyncManifest | null;
  decision: PrefixDecision;
  /** What each upload that succeeded wrote, by relative path. */
  uploaded: ReadonlyMap<string, ManifestEntry>;
  /** Git blob id of a clean tracked file of the prefix, by relative path. */
  blobOf: (rel: string) => string | undefined;
  /** The commit deployed, when known. */
  commit: string | undefined;
  updatedAt: string;
}

/**
 * The next record: the entries carried over from the previous one (remote files left alone), the unchanged files
 * (with their git blob when known), and the uploads that succeeded. An upload that did not happen keeps its previous
 * entry; run artifacts are never recorded. Sorted by path.
 */
export function nextRecord(input: NextRecordInput): SyncManifest {
  const { decision, previous } = input;
  const files = new Map(decision.carriedEntries);
  for (const item of decision.unchanged) {
    if (item.artifact) continue;
    const blob = item.entry.blob ?? input.blobOf(item.rel);
    files.set(item.rel, blob ? { ...item.entry, blob } : item.entry);
  }
  for (const upload of decision.uploads) {
    const sent = input.uploaded.get(upload.rel);
    const before = previous?.files.get(upload.rel);
    if (sent) files.set(upload.rel, sent);
    else if (before && !upload.artifact) files.set(upload.rel, before); // not written: the record stays as it was
  }
  const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { version: 1, prefix: input.prefix, commit: input.commit, updatedAt: input.updatedAt, files: sorted };
}

/** Whether two sets of entries say the same of every file (null: there was no record). */
export function sameEntries(a: ReadonlyMap<string, ManifestEntry>, b: ReadonlyMap<string, ManifestEntry> | null): boolean {
  if (b === null || a.size !== b.size) return false;
  for (const [rel, entry] of a) {
    const other = b.get(rel);
    if (!other || other.etag !== entry.etag || other.md5 !== entry.md5 || other.size !== entry.size || other.blob !== entry.blob) return false;
  }
  return true;
}

/**
 * Whether the next record is written. Not when it says what the previous one said, nor on a first sync with nothing
 * to record. Nor on a first sync that did not finish: its rerun is a first sync again and finishes the job
 * (old-script files the plan would delete are still the migration's to delete, not someone else's additions) —
 * unless someone wrote in between: what they wrote must be known as theirs on the rerun.
 */
export function recordNeedsWriting(
  previous: SyncManifest | null,
  next: SyncManifest,
  applied: Pick<TargetOutcome, 'failures' | 'notStarted' | 'changedAfterPlan'>,
): boolean {
  if (previous === null) {
    if (next.files.size === 0) return false;
    const unfinished = applied.failures.length > 0 || applied.notStarted > 0;
    if (unfinished && applied.changedAfterPlan.length === 0) return false;
  }
  return !sameEntries(next.files, previous?.files ?? null);
}
