/**
 * Planning one prefix (a scenario, or `_common/`), read-only: the bucket's listing and the sync record against the
 * local files, hashed only where the listing, the record and git cannot tell, then a decision per file.
 */
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import picomatch from 'picomatch';
import type { Logger } from '../ground/logger.ts';
import type { SyncSettings } from '../ground/settings/sync.ts';
import { decidePrefix, overwriteConflicts, type HashedFile, type PrefixDecision } from './decide.ts';
import { hashFile, partSizesToCompare } from './etag.ts';
import type { Slots } from './limit.ts';
import { listFilesUnder, scenariosFolder, type LocalFile } from './local.ts';
import { keyOf, listForLog } from './log.ts';
import { listPrefix, manifestKey, readActionMetadata, readManifest, type ManifestRead, type RemoteObject, type SyncManifest } from './remote.ts';
import { scenarioTarget, type Target, type TargetPlan, type TargetStatus } from './types.ts';

/** What planning a prefix needs, the same for every prefix of a plan. */
export interface PrefixPlanning {
  s3: S3Client;
  bucket: string;
  settings: SyncSettings;
  logger: Logger;
  /** Git blob ids of clean tracked files (relative to the model folder): awaited only by a prefix with a record. */
  blobs: Promise<ReadonlyMap<string, string> | null>;
  /** Files hashed at once, shared by every prefix. */
  hashSlots: Slots;
  /** Of these paths (relative to the model folder, all under `folder`), those git's ignore rules exclude. */
  ignoredByGit: (folder: string, modelPaths: string[]) => Promise<Set<string>>;
}

/** The remote reads of one prefix, started as soon as its name is known. */
export interface RemoteReads {
  target: Target;
  started: number;
  listing: Promise<Map<string, RemoteObject>>;
  manifest: Promise<ManifestRead>;
}

/** The local side of a prefix. */
export interface LocalSide {
  files: Promise<LocalFile[]>;
  /** Remote files absent locally that the sync manages (deleted with delete-removed); others are ignored. */
  isManaged: (rel: string) => boolean;
  /** Path of a file of the prefix relative to the model folder (for git). */
  modelPath: (rel: string) => string;
}

/** A scenario's files: every file of its folder, each managed (a remote file absent locally is deleted with delete-removed). */
export function scenarioSide(modelFolder: string, name: string): LocalSide {
  return { files: listFilesUnder(join(scenariosFolder(modelFolder), name)), isManaged: () => true, modelPath: (rel) => `scenarios/${name}/${rel}` };
}

/**
 * The model-wide files, keyed under `_common/` as `modelConfig.json`, `steps.json` and `docs/<path>`: only the docs
 * folder is managed (`_common/` holds other files the action never deletes), and only when the model has one.
 */
export function commonSide(common: { files: LocalFile[]; hasDocs: boolean }, docsFolder: string): LocalSide {
  return {
    files: Promise.resolve(common.files),
    isManaged: (rel) => rel.startsWith('docs/') && common.hasDocs,
    modelPath: (rel) => (rel.startsWith('docs/') ? `${docsFolder}/${rel.slice('docs/'.length)}` : rel),
  };
}

/** A scenario the push changed whose folder is gone: reported, left as it is remotely. */
export function removedLocallyPlan(name: string): TargetPlan {
  return {
    ...scenarioTarget(name),
    status: 'removed-locally',
    manifest: null,
    notes: ['no local folder any more: the remote scenario is left as it is (delete it in the web app if wanted)'],
  };
}

/** Starts the reads of a prefix: its listing and, alongside, the record of what the action wrote there. */
export function readRemote(s3: S3Client, bucket: string, target: Target): RemoteReads {
  const started = performance.now();
  const listing = listPrefix(s3, bucket, target.prefix);
  const manifest = readManifest(s3, bucket, manifestKey(target));
  listing.catch(() => {}); // both awaited by planPrefix; the record is not, when the scenario is locked
  manifest.catch(() => {});
  return { target, started, listing, manifest };
}

export async function planPrefix(planning: PrefixPlanning, reads: RemoteReads, local: LocalSide): Promise<TargetPlan> {
  const { settings, logger } = planning;
  const { target, started } = reads;
  const notes: string[] = [];
  const since = () => Math.round(performance.now() - started);
  const timings: string[] = []; // for the debug log: where the plan of a prefix spends its time
  const [remote, listedFiles] = await Promise.all([
    reads.listing.finally(() => timings.push(`listed at ${since()} ms`)),
    local.files.finally(() => timings.push(`local files at ${since()} ms`)),
  ]);
  const { localFiles, excluded, isExcluded } = await leaveOutClutter(listedFiles, remote, local, planning);
  if (excluded > 0) notes.push(`${excluded} local file(s) excluded (checkpoints, caches, system files, .gitignore, input exclude): not uploaded`);
  if (target.kind === 'scenario' && remote.has('.lock')) {
    const locked = lockedPlan(target, remote, settings, logger);
    if (locked) return locked;
    notes.push('locked remotely: synced anyway (locked: overwrite); the lock is kept');
  }
  const { manifest, recordEtag } = recordOf(await reads.manifest, target, planning, notes);
  const blobs = manifest && manifest.files.size > 0 ? await planning.blobs : null;
  timings.push(`record${blobs ? ' and git' : ''} at ${since()} ms`);
  const { hashed, hashedCount } = await hashWhereNeeded(localFiles, remote, manifest, blobs, local.modelPath, planning.hashSlots);
  timings.push(`${hashedCount} file(s) hashed by ${since()} ms`);
  const artifactMatcher = target.kind === 'scenario' ? picomatch(settings.keep, { dot: true }) : () => false;
  const decision = await decidePrefix({
    local: hashed,
    remote,
    manifest,
    deleteRemoved: settings.deleteRemoved,
    isArtifact: (rel) => artifactMatcher(rel),
    // An excluded file is absent locally by choice: its remote copy is never deleted for that.
    isManaged: (rel) => local.isManaged(rel) && !isExcluded(rel),
    readMetadata: (rel) => readActionMetadata(planning.s3, planning.bucket, keyOf(target, rel)),
  });
  const { status, blocking } = settleConflicts(target, decision, hashed, remote, settings, logger, notes);
  logger.debug(`${target.prefix}: ${localFiles.length} local and ${remote.size} remote file(s) compared in ${since()} ms (${timings.join(', ')})`);
  if (decision.keptArtifacts.length > 0) {
    notes.push(`${decision.keptArtifacts.length} run artifact(s) differ from the repository: the run's version is kept`);
  }
  if (!settings.deleteRemoved) {
    const stale = decision.remoteOnly.filter((rel) => !artifactMatcher(rel));
    if (stale.length > 0) notes.push(`${stale.length} remote file(s) not in the repository kept (delete-removed is off)`);
  }
  return { ...target, status, blocking, decision, manifest, recordEtag, remote, notes, modelPath: local.modelPath, excluded };
}

/**
 * The local files without what never goes to the bucket: what input `exclude` and LOCAL_CLUTTER_GLOBS match, and
 * what git ignores. `isExcluded` also answers for remote files absent locally (asked of git with the local ones,
 * when they may be deleted).
 */
async function leaveOutClutter(
  files: readonly LocalFile[],
  remote: ReadonlyMap<string, RemoteObject>,
  local: LocalSide,
  planning: PrefixPlanning,
): Promise<{ localFiles: LocalFile[]; excluded: number; isExcluded: (rel: string) => boolean }> {
  const matches = picomatch(planning.settings.exclude, { dot: true });
  const byGlob = files.filter((file) => !matches(file.rel));
  const localRels = new Set(files.map((file) => file.rel));
  const remoteOnly = planning.settings.deleteRemoved ? [...remote.keys()].filter((rel) => !localRels.has(rel) && !matches(rel) && local.isManaged(rel)) : [];
  const ignored = await planning.ignoredByGit(local.modelPath(''), [...byGlob.map((file) => file.rel), ...remoteOnly].map(local.modelPath));
  const localFiles = ignored.size === 0 ? byGlob : byGlob.filter((file) => !ignored.has(local.modelPath(file.rel)));
  return { localFiles, excluded: files.length - localFiles.length, isExcluded: (rel) => matches(rel) || ignored.has(local.modelPath(rel)) };
}

/** A scenario locked remotely: left as it is (skip), or blocking the step (fail); undefined to sync it (overwrite). */
function lockedPlan(target: Target, remote: ReadonlyMap<string, RemoteObject>, settings: SyncSettings, logger: Logger): TargetPlan | undefined {
  if (settings.locked === 'skip') {
    logger.warning(`Scenario "${target.name}" is locked (${target.prefix}.lock exists): left as it is (input locked: skip).`);
    return { ...target, status: 'locked', manifest: null, remote, notes: ['locked remotely: left as it is'] };
  }
  if (settings.locked === 'fail') {
    return {
      ...target,
      status: 'locked',
      manifest: null,
      remote,
      notes: ['locked remotely'],
      blocking: `Scenario "${target.name}" is locked (${target.prefix}.lock exists); unlock it or set locked: skip or overwrite.`,
    };
  }
  return undefined;
}

/** The record as read: none (first sync), the record, or an empty one when it is damaged (fails closed). */
function recordOf(
  record: ManifestRead,
  target: Target,
  { bucket, logger }: PrefixPlanning,
  notes: string[],
): { manifest: SyncManifest | null; recordEtag: string | null } {
  if (record.state === 'missing') return { manifest: null, recordEtag: null };
  if (record.state === 'read') return { manifest: record.manifest, recordEtag: record.etag };
  // Fails closed: with an empty record nothing under the prefix is the action's, so what differs is a conflict.
  const where = `s3://${bucket}/${manifestKey(target)}`;
  logger.warning(
    `The sync record ${where} cannot be read (${record.problem}): no file of ${target.prefix} is taken as written by the action, so every file that differs is a conflict. ` +
      `If the bucket's files are to be replaced by the repository's, delete that record: the next deploy then syncs ${target.prefix} as a first sync.`,
  );
  notes.push(`sync record unreadable (${record.problem}): differing files are conflicts`);
  return { manifest: { version: 1, prefix: target.prefix, updatedAt: '', files: new Map() }, recordEtag: record.etag };
}

/**
 * The local files with what is needed to compare them: nothing when no remote object has their size (they differ
 * for sure, the MD5 is computed while uploading), the recorded MD5 when git and the record vouch for both sides,
 * else their hashes.
 */
async function hashWhereNeeded(
  localFiles: readonly LocalFile[],
  remote: ReadonlyMap<string, RemoteObject>,
  manifest: SyncManifest | null,
  blobs: ReadonlyMap<string, string> | null,
  modelPath: (rel: string) => string,
  hashSlots: Slots,
): Promise<{ hashed: HashedFile[]; hashedCount: number }> {
  let hashedCount = 0;
  const hashed = await Promise.all(
    localFiles.map(async (file): Promise<HashedFile> => {
      const existing = remote.get(file.rel);
      if (!existing || existing.size !== file.size) return { ...file, hashes: null };
      const recorded = manifest?.files.get(file.rel);
      const vouched = recorded !== undefined && recorded.etag === existing.etag && recorded.size === existing.size;
      const blob = blobs?.get(modelPath(file.rel));
      if (vouched && blob !== undefined && recorded.blob === blob) {
        // git says the content is the one recorded, and the remote object is the one recorded: nothing to read.
        return { ...file, blob, hashes: { md5: recorded.md5, multipart: new Map() } };
      }
      // When the record vouches for the remote object, its MD5 decides: no multipart ETag to recompute.
      const partSizes = vouched ? [] : partSizesToCompare(existing.etag, existing.size);
      const hashes = await hashSlots.run(() => hashFile(file.path, partSizes, file.size));
      hashedCount += 1;
      return { ...file, blob, hashes };
    }),
  );
  return { hashed, hashedCount };
}

/** The prefix's status once `on-conflict` has decided about the files changed outside the action. */
function settleConflicts(
  target: Target,
  decision: PrefixDecision,
  hashed: readonly HashedFile[],
  remote: ReadonlyMap<string, RemoteObject>,
  settings: SyncSettings,
  logger: Logger,
  notes: string[],
): { status: TargetStatus; blocking?: string } {
  const status: TargetStatus = decision.uploads.length + decision.deletes.length > 0 ? 'sync' : 'unchanged';
  if (decision.conflicts.length === 0) return { status };
  const files = decision.conflicts.map((conflict) => `${keyOf(target, conflict.rel)} (${conflict.reason})`);
  if (settings.onConflict === 'overwrite') {
    logger.warning(`Overwriting ${files.length} file(s) changed outside the action (on-conflict: overwrite):\n${listForLog(files, 1000)}`);
    notes.push(`${files.length} file(s) changed outside the action overwritten`);
    overwriteConflicts(decision, hashed, remote);
    return { status: 'sync' };
  }
  const shown = decision.conflicts.slice(0, 5).map((c) => c.rel).join(', ');
  notes.push(`${files.length} file(s) changed outside the action: ${shown}${files.length > 5 ? ', ...' : ''}`);
  const message = `Scenario "${target.name}" has ${files.length} file(s) changed outside the action; nothing of it is synced:\n${listForLog(files, 1000)}`;
  if (settings.onConflict === 'skip') {
    logger.warning(`${message}\n(on-conflict: skip)`);
    return { status: 'conflict' };
  }
  return { status: 'conflict', blocking: `${message}\nKeep the remote version (copy it into the repository), or rerun with on-conflict: overwrite.` };
}
