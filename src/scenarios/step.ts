/**
 * The `scenarios` deploy step: syncs `<model>/scenarios/<name>/` to `s3://<bucket>/<name>/` and the model-wide
 * files to `_common/`, by content, without ever losing data:
 * - nothing is deleted unless `delete-removed` is on, and never run artifacts (outputs/, logs/, info.json, .lock);
 * - a scenario locked remotely is left alone (`locked`);
 * - a file changed outside the action since the action wrote it stops its scenario (`on-conflict`);
 * - every upload of a scenario succeeds before any of its deletes; a rerun finishes an interrupted sync.
 */
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import picomatch from 'picomatch';
import type { Logger } from '../ground/logger.ts';
import { DeployError, type DeployStep, type StepReport } from '../ground/step.ts';
import { decidePrefix, overwriteConflicts, type HashedFile, type PrefixDecision } from './decide.ts';
import { hashFile, partSizesToCompare } from './etag.ts';
import { listCommonFiles, listFilesUnder, listLocalScenarios, localScenarioExists, scenariosFolder, type LocalFile } from './local.ts';
import type { SyncOptions } from '../ground/settings/sync.ts';
import {
  listPrefix,
  manifestKey,
  prefixHasObjects,
  readActionMetadata,
  readManifest,
  writeManifest,
  type ManifestEntry,
  type ManifestRead,
  type RemoteObject,
  type SyncManifest,
} from './remote.ts';
import { cleanTrackedBlobs } from './changed.ts';
import { ChangedSincePlan, DEFAULT_RETRY, deleteKeys, uploadFile, withRetries, type RetryOptions } from './transfer.ts';
import { Slots } from './limit.ts';
import { formatBytes } from '../ground/format.ts';
import { printable } from '../ground/printable.ts';
import { reportOutcome, reportPlan } from './report.ts';

export interface ScenarioSyncConfig {
  s3: S3Client;
  logger: Logger;
  options: SyncOptions;
  bucket: string;
  /** Absolute path of the model folder (the one holding `scenarios/`). */
  modelFolder: string;
  /** Commit recorded in the metadata of every uploaded object. */
  commitSha?: string;
  /**
   * Paths relative to the model folder changed by the push, or null/undefined when unknown (compare all). A
   * promise is awaited only when the scenarios are chosen: git runs while the remote reads that need no choice start.
   */
  changedFiles?: string[] | null | Promise<string[] | null>;
  /** Per-file retries (tests shorten the delays). */
  retry?: RetryOptions;
  /**
   * Ask git which files are tracked and unmodified (default true): such a file whose blob id and size are those
   * the action recorded, while the remote object still has the recorded ETag, is not read again.
   */
  useGit?: boolean;
  /**
   * Aborted when the run is cancelled: no further upload starts (those in flight finish), no delete runs, the
   * record of what was written is kept, and apply() ends with a SyncError. A rerun uploads only what is missing.
   */
  signal?: AbortSignal;
}

export type TargetStatus = 'sync' | 'unchanged' | 'locked' | 'conflict' | 'removed-locally';

/** The plan for one prefix: a scenario, or `_common/` (model-wide files). */
export interface TargetPlan {
  kind: 'scenario' | 'common';
  /** Scenario name, or `_common`. */
  name: string;
  /** Remote prefix, with its trailing slash. */
  prefix: string;
  status: TargetStatus;
  /** Set when this target makes the step fail (locked: fail, on-conflict: fail). */
  blocking?: string;
  decision?: PrefixDecision;
  /** The record read from the bucket: null on the first deploy of this prefix; empty when it was damaged. */
  manifest: SyncManifest | null;
  /** ETag of the record as the plan read it (null: there was none): rewriting it is conditional on it. */
  recordEtag?: string | null;
  /** Remote state the decisions were made on. */
  remote?: ReadonlyMap<string, RemoteObject>;
  notes: string[];
  /** Path of a file of this target relative to the model folder (for git). */
  modelPath?: (rel: string) => string;
}

export interface SyncPlan {
  bucket: string;
  /** How the scenarios were chosen, for the report. */
  selection: string;
  targets: TargetPlan[];
  /** Errors apply will end with (after syncing the other scenarios). Empty when the sync can fully succeed. */
  problems: string[];
}

export interface TargetOutcome {
  kind: 'scenario' | 'common';
  name: string;
  prefix: string;
  status: TargetStatus | 'failed';
  uploaded: number;
  bytesUploaded: number;
  deleted: number;
  /** Keys deleted (delete-removed), listed in the summary. */
  deletedKeys: string[];
  unchanged: number;
  failures: Array<{ key: string; error: string }>;
  notes: string[];
  /** Uploads not started because the run was cancelled. */
  notStarted: number;
  /** Keys written or deleted by someone else between the plan and the write: left as they are (on-conflict). */
  changedAfterPlan: string[];
}

export interface SyncOutcome {
  bucket: string;
  targets: TargetOutcome[];
  problems: string[];
}

/** Thrown by apply when a file failed or a scenario was blocked; carries what was done, for the report. */
export class SyncError extends DeployError {
  readonly outcome: SyncOutcome;
  constructor(message: string, hint: string, outcome: SyncOutcome) {
    super(message, hint);
    this.name = 'SyncError';
    this.outcome = outcome;
  }
}

const HASH_CONCURRENCY = 8;

type PlanTarget = Pick<TargetPlan, 'kind' | 'name' | 'prefix'>;

/** The remote reads of one prefix, started before the local work of the plan. */
interface RemoteReads {
  target: PlanTarget;
  started: number;
  listing: Promise<Map<string, RemoteObject>>;
  manifest: Promise<ManifestRead>;
}

/**
 * Resolves once the requests just sent have left: a macrotask later, their own chain of promises has run to the
 * connection. Work that holds the thread (starting git, the preflight's clients) waits for it.
 */
const sendsLeft = () => new Promise<void>((resolve) => setImmediate(resolve));
const LISTED_FILES_IN_LOG = 100;

function keyOf(target: { prefix: string }, rel: string): string {
  return `${target.prefix}${rel}`;
}

/** Keys and paths, one a line: each made printable, so that a key holding a line feed stays on its line. */
function listForLog(items: readonly string[], limit: number): string {
  const shown = items.slice(0, limit).map((item) => `  ${printable(item)}`);
  if (items.length > limit) shown.push(`  ... and ${items.length - limit} more`);
  return shown.join('\n');
}

export class ScenarioSyncStep implements DeployStep<SyncPlan, SyncOutcome> {
  readonly name = 'scenarios' as const;
  readonly #config: ScenarioSyncConfig;
  readonly #hashSlots = new Slots(HASH_CONCURRENCY);
  /** Git blob ids of clean tracked files, relative to the model folder (null: not a git checkout). */
  #blobs: Promise<Map<string, string> | null> = Promise.resolve(null);
  #readsSent = Promise.withResolvers<void>();

  constructor(config: ScenarioSyncConfig) {
    this.#config = config;
  }

  // ---------------------------------------------------------------- plan (read-only)

  /** Resolves once the running plan's bucket reads are on their way (or the plan ended before sending them). */
  planReadsSent(): Promise<void> {
    return this.#readsSent.promise;
  }

  async plan(): Promise<SyncPlan> {
    this.#readsSent = Promise.withResolvers<void>();
    try {
      return await this.#plan();
    } finally {
      this.#readsSent.resolve();
    }
  }

  async #plan(): Promise<SyncPlan> {
    const { modelFolder, options, logger, bucket } = this.#config;
    const folderInfo = await stat(modelFolder).catch(() => undefined);
    if (!folderInfo?.isDirectory()) {
      throw new DeployError(`Model folder ${modelFolder} does not exist.`, 'Set model-folder to the folder that holds scenarios/.');
    }
    // Every remote read starts as soon as its prefix is known, and the local work (git, file listings) is done
    // while they are on their way: on a small change, the bucket's answers are most of the plan's time.
    const { names, selection, removedLocally } = await this.#selectScenarios();
    const scenarioReads = names.map((name) => this.#readRemote({ kind: 'scenario', name, prefix: `${name}/` }));
    const common = await listCommonFiles(modelFolder, options.docsFolder);
    const commonTarget = { kind: 'common', name: '_common', prefix: '_common/' } as const;
    const commonReads = common.files.length > 0 || common.hasDocs ? this.#readRemote(commonTarget) : undefined;
    const baseCheck = names.includes('base') ? undefined : prefixHasObjects(this.#config.s3, bucket, 'base/');
    baseCheck?.catch(() => {}); // awaited by #checkBaseRemains
    const left = sendsLeft();
    void left.then(this.#readsSent.resolve);
    // Only files with a record wait for git.
    this.#blobs = this.#config.useGit === false ? Promise.resolve(null) : left.then(() => cleanTrackedBlobs(modelFolder));
    const targets: TargetPlan[] = [];
    const planned: Array<Promise<TargetPlan>> = [];
    if (commonReads) {
      const docsPrefix = `${options.docsFolder}/`;
      planned.push(
        this.#planTarget(
          commonReads,
          Promise.resolve(common.files),
          (rel) => rel.startsWith('docs/') && common.hasDocs,
          (rel) => (rel.startsWith('docs/') ? docsPrefix + rel.slice('docs/'.length) : rel),
        ),
      );
    }
    for (const reads of scenarioReads) {
      const { name } = reads.target;
      planned.push(
        this.#planTarget(
          reads,
          listFilesUnder(join(scenariosFolder(modelFolder), name)),
          () => true,
          (rel) => `scenarios/${name}/${rel}`,
        ),
      );
    }
    targets.push(...(await Promise.all(planned)));
    for (const name of removedLocally) {
      targets.push({
        kind: 'scenario',
        name,
        prefix: `${name}/`,
        status: 'removed-locally',
        manifest: null,
        notes: ['no local folder any more: the remote scenario is left as it is (delete it in the web app if wanted)'],
      });
    }
    await this.#checkBaseRemains(targets, baseCheck);

    const problems = targets.flatMap((target) => (target.blocking ? [target.blocking] : []));
    const plan: SyncPlan = { bucket, selection, targets, problems };
    this.#logPlan(plan);
    if (problems.length > 0) logger.warning(`Scenario sync will fail after syncing the other scenarios:\n${problems.join('\n')}`);
    return plan;
  }

  async #selectScenarios(): Promise<{ names: string[]; selection: string; removedLocally: string[] }> {
    const { modelFolder, options } = this.#config;
    const selection = options.scenarios;
    if (selection.kind === 'none') return { names: [], selection: 'none', removedLocally: [] };
    if (selection.kind === 'names') {
      for (const name of selection.names) {
        if (!(await localScenarioExists(modelFolder, name))) {
          throw new DeployError(
            `Scenario "${name}" (input scenarios) has no folder ${join(scenariosFolder(modelFolder), name)}.`,
            'Name folders that exist under scenarios/, or use "changed" or "all".',
          );
        }
      }
      return { names: selection.names, selection: selection.names.join(', '), removedLocally: [] };
    }
    const local = await listLocalScenarios(modelFolder);
    if (selection.kind === 'all') return { names: local, selection: 'all', removedLocally: [] };
    const changedFiles = await this.#config.changedFiles;
    if (changedFiles === null || changedFiles === undefined) {
      return { names: local, selection: 'changed (commits unknown: every scenario compared by content)', removedLocally: [] };
    }
    const touched = new Set<string>();
    for (const path of changedFiles) {
      const match = /^scenarios\/([^/]+)\/./.exec(path.replace(/\\/g, '/').replace(/^\.\//, ''));
      if (match && !match[1].startsWith('.')) touched.add(match[1]);
    }
    const localSet = new Set(local);
    const names = [...touched].filter((name) => localSet.has(name)).sort();
    const removedLocally = [...touched].filter((name) => !localSet.has(name)).sort();
    return { names, selection: `changed (${names.length} of ${local.length})`, removedLocally };
  }

  /** Starts the reads of a prefix: its listing and, alongside, the record of what the action wrote there. */
  #readRemote(target: PlanTarget): RemoteReads {
    const { s3, bucket } = this.#config;
    const started = performance.now();
    const listing = listPrefix(s3, bucket, target.prefix);
    const manifest = readManifest(s3, bucket, manifestKey(target));
    listing.catch(() => {}); // both awaited by #planTarget; the record is not, when the scenario is locked
    manifest.catch(() => {});
    return { target, started, listing, manifest };
  }

  async #planTarget(
    reads: RemoteReads,
    localListing: Promise<LocalFile[]>,
    isManagedRemoteOnly: (rel: string) => boolean,
    modelPath: (rel: string) => string,
  ): Promise<TargetPlan> {
    const { s3, bucket, options, logger } = this.#config;
    const { target, started } = reads;
    const notes: string[] = [];
    const since = () => Math.round(performance.now() - started);
    const timings: string[] = []; // for the debug log: where the plan of a prefix spends its time
    const [remote, localFiles] = await Promise.all([
      reads.listing.finally(() => timings.push(`listed at ${since()} ms`)),
      localListing.finally(() => timings.push(`local files at ${since()} ms`)),
    ]);
    if (target.kind === 'scenario' && remote.has('.lock')) {
      if (options.locked === 'skip') {
        logger.warning(`Scenario "${target.name}" is locked (${target.prefix}.lock exists): left as it is (input locked: skip).`);
        return { ...target, status: 'locked', manifest: null, remote, notes: ['locked remotely: left as it is'] };
      }
      if (options.locked === 'fail') {
        return {
          ...target,
          status: 'locked',
          manifest: null,
          remote,
          notes: ['locked remotely'],
          blocking: `Scenario "${target.name}" is locked (${target.prefix}.lock exists); unlock it or set locked: skip or overwrite.`,
        };
      }
      notes.push('locked remotely: synced anyway (locked: overwrite); the lock is kept');
    }
    const record = await reads.manifest;
    let manifest: SyncManifest | null = null;
    if (record.state === 'read') manifest = record.manifest;
    if (record.state === 'damaged') {
      // Fails closed: with an empty record nothing under the prefix is the action's, so what differs is a conflict.
      manifest = { version: 1, prefix: target.prefix, updatedAt: '', files: new Map() };
      const where = `s3://${bucket}/${manifestKey(target)}`;
      logger.warning(
        `The sync record ${where} cannot be read (${record.problem}): no file of ${target.prefix} is taken as written by the action, so every file that differs is a conflict. ` +
          `If the bucket's files are to be replaced by the repository's, delete that record: the next deploy then syncs ${target.prefix} as a first sync.`,
      );
      notes.push(`sync record unreadable (${record.problem}): differing files are conflicts`);
    }
    const recordEtag = record.state === 'missing' ? null : record.etag;
    const blobs = manifest && manifest.files.size > 0 ? await this.#blobs : null;
    timings.push(`record${blobs ? ' and git' : ''} at ${since()} ms`);
    let hashedCount = 0;
    const hashed = await Promise.all(
      localFiles.map(async (file): Promise<HashedFile> => {
        const existing = remote.get(file.rel);
        // No remote object of that size: the file differs for sure; its MD5 is computed while uploading.
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
        const hashes = await this.#hashSlots.run(() => hashFile(file.path, partSizes, file.size));
        hashedCount += 1;
        return { ...file, blob, hashes };
      }),
    );
    timings.push(`${hashedCount} file(s) hashed by ${since()} ms`);
    const artifactMatcher = target.kind === 'scenario' ? picomatch(options.keep, { dot: true }) : () => false;
    const decision = await decidePrefix({
      local: hashed,
      remote,
      manifest,
      deleteRemoved: options.deleteRemoved,
      isArtifact: (rel) => artifactMatcher(rel),
      isManaged: isManagedRemoteOnly,
      readMetadata: (rel) => readActionMetadata(s3, bucket, keyOf(target, rel)),
    });
    let status: TargetStatus = decision.uploads.length + decision.deletes.length > 0 ? 'sync' : 'unchanged';
    let blocking: string | undefined;
    if (decision.conflicts.length > 0) {
      const files = decision.conflicts.map((conflict) => `${keyOf(target, conflict.rel)} (${conflict.reason})`);
      if (options.onConflict === 'overwrite') {
        logger.warning(`Overwriting ${files.length} file(s) changed outside the action (on-conflict: overwrite):\n${listForLog(files, 1000)}`);
        notes.push(`${files.length} file(s) changed outside the action overwritten`);
        overwriteConflicts(decision, hashed, remote);
        status = 'sync';
      } else {
        status = 'conflict';
        const message = `Scenario "${target.name}" has ${files.length} file(s) changed outside the action; nothing of it is synced:\n${listForLog(files, 1000)}`;
        if (options.onConflict === 'skip') logger.warning(`${message}\n(on-conflict: skip)`);
        else blocking = `${message}\nKeep the remote version (copy it into the repository), or rerun with on-conflict: overwrite.`;
        notes.push(`${files.length} file(s) changed outside the action: ${decision.conflicts.slice(0, 5).map((c) => c.rel).join(', ')}${files.length > 5 ? ', ...' : ''}`);
      }
    }
    logger.debug(`${target.prefix}: ${localFiles.length} local and ${remote.size} remote file(s) compared in ${since()} ms (${timings.join(', ')})`);
    if (decision.keptArtifacts.length > 0) {
      notes.push(`${decision.keptArtifacts.length} run artifact(s) differ from the repository: the run's version is kept`);
    }
    if (!options.deleteRemoved) {
      const stale = decision.remoteOnly.filter((rel) => !artifactMatcher(rel));
      if (stale.length > 0) notes.push(`${stale.length} remote file(s) not in the repository kept (delete-removed is off)`);
    }
    return { ...target, status, blocking, decision, manifest, recordEtag, remote, notes, modelPath };
  }

  /** The web app needs a `base` scenario: refuse a sync after which there would be none. */
  async #checkBaseRemains(targets: TargetPlan[], baseCheck: Promise<boolean> | undefined): Promise<void> {
    const { s3, bucket, modelFolder } = this.#config;
    const base = targets.find((target) => target.kind === 'scenario' && target.name === 'base');
    let exists: boolean;
    if (base?.decision && (base.status === 'sync' || base.status === 'unchanged')) {
      const d = base.decision;
      const localFiles = d.uploads.length + d.unchanged.length + d.keptArtifacts.length;
      exists = localFiles > 0 || (base.remote?.size ?? 0) - d.deletes.length > 0;
    } else if (base?.remote) {
      exists = base.remote.size > 0;
    } else {
      exists = await (baseCheck ?? prefixHasObjects(s3, bucket, 'base/'));
    }
    if (exists) return;
    const hasLocalBase = await localScenarioExists(modelFolder, 'base');
    throw new DeployError(
      `No "base" scenario would exist in s3://${bucket}/base/ after the sync; the web app needs one.`,
      hasLocalBase
        ? 'Include base in the synced scenarios (scenarios: all, or a list naming base).'
        : `Add a base scenario under ${scenariosFolder(modelFolder)}/base/ and sync it.`,
    );
  }

  #logPlan(plan: SyncPlan): void {
    const { logger } = this.#config;
    logger.info(`Scenarios: ${plan.selection}; bucket ${plan.bucket}`);
    for (const target of plan.targets) {
      const decision = target.decision;
      if (!decision) {
        logger.info(`${target.prefix}: ${target.status}${target.notes.length ? ` (${target.notes.join('; ')})` : ''}`);
        continue;
      }
      const bytes = decision.uploads.reduce((sum, upload) => sum + upload.size, 0);
      logger.info(
        `${target.prefix}: ${target.status}; ${decision.uploads.length} to upload (${formatBytes(bytes)}), ` +
          `${decision.deletes.length} to delete, ${decision.unchanged.length} unchanged` +
          (target.notes.length ? ` (${target.notes.join('; ')})` : ''),
      );
      if (target.status !== 'sync') continue;
      if (decision.uploads.length > 0) {
        const lines = decision.uploads.map((upload) => `${keyOf(target, upload.rel)} (${upload.reason})`);
        logger.info(`To upload:\n${listForLog(lines, LISTED_FILES_IN_LOG)}`);
        if (lines.length > LISTED_FILES_IN_LOG) logger.debug(listForLog(lines, Infinity));
      }
      if (decision.deletes.length > 0) {
        logger.info(`To delete (not in the repository, delete-removed: true):\n${listForLog(decision.deletes.map((d) => keyOf(target, d.rel)), Infinity)}`);
      }
    }
  }

  // ---------------------------------------------------------------- apply (writes)

  async apply(plan: SyncPlan): Promise<SyncOutcome> {
    const { logger, options } = this.#config;
    const uploadSlots = new Slots(options.uploadConcurrency);
    const outcomes = await Promise.all(plan.targets.map((target) => this.#applyTarget(target, uploadSlots)));
    const outcome: SyncOutcome = { bucket: plan.bucket, targets: outcomes, problems: [...plan.problems] };
    const failed = outcomes.filter((target) => target.failures.length > 0);
    for (const target of failed) {
      outcome.problems.push(
        `${target.failures.length} file(s) of ${target.prefix} failed:\n${listForLog(target.failures.map((f) => `${f.key}: ${f.error}`), 50)}`,
      );
    }
    for (const target of outcomes.filter((item) => item.status === 'conflict' && item.changedAfterPlan.length > 0)) {
      outcome.problems.push(
        `${target.changedAfterPlan.length} file(s) of ${target.prefix} changed in the bucket after the plan (a web-app edit?) and were left as they are:\n` +
          `${listForLog(target.changedAfterPlan, 50)}\nKeep the remote version (copy it into the repository), or rerun with on-conflict: overwrite.`,
      );
    }
    const notStarted = outcomes.reduce((sum, target) => sum + target.notStarted, 0);
    if (notStarted > 0) outcome.problems.push(`The run was cancelled: ${notStarted} upload(s) not started, no file deleted.`);
    if (outcome.problems.length > 0) {
      logger.warning(outcome.problems.join('\n'));
      throw new SyncError(
        `Scenario sync did not finish (${outcome.problems.length} problem(s)):\n${outcome.problems.join('\n')}`,
        'The other scenarios were synced. Fix what is named and rerun: the sync compares content, so it finishes the rest.',
        outcome,
      );
    }
    return outcome;
  }

  async #applyTarget(target: TargetPlan, uploadSlots: Slots): Promise<TargetOutcome> {
    const { s3, bucket, logger, commitSha } = this.#config;
    const retry = this.#config.retry ?? DEFAULT_RETRY;
    const decision = target.decision;
    const result: TargetOutcome = {
      kind: target.kind,
      name: target.name,
      prefix: target.prefix,
      status: target.status,
      uploaded: 0,
      bytesUploaded: 0,
      deleted: 0,
      deletedKeys: [],
      unchanged: decision?.unchanged.length ?? 0,
      failures: [],
      notes: [...target.notes],
      notStarted: 0,
      changedAfterPlan: [],
    };
    if (!decision || (target.status !== 'sync' && target.status !== 'unchanged')) return result;

    const uploadedEntries = new Map<string, ManifestEntry>();
    const uploadedKeys: string[] = [];
    const blobs = await this.#blobs;
    await Promise.all(
      decision.uploads.map((upload) =>
        uploadSlots.run(async () => {
          const key = keyOf(target, upload.rel);
          if (this.#config.signal?.aborted) {
            result.notStarted += 1;
            return;
          }
          const send = (planned: string | null | undefined) =>
            withRetries(
              () => uploadFile({ s3, bucket, key, path: upload.path, size: upload.size, md5: upload.md5, commitSha, planned }),
              { ...retry, retryIf: (error) => !(error instanceof ChangedSincePlan) },
              (error, attempt) => logger.debug(`Upload of ${printable(key)} failed (attempt ${attempt}), retrying: ${(error as Error).message}`),
            );
          try {
            let sent: { etag: string; md5: string };
            try {
              sent = await send(upload.planned);
            } catch (error) {
              if (!(error instanceof ChangedSincePlan) || upload.artifact || this.#config.options.onConflict !== 'overwrite') throw error;
              logger.warning(`${printable(key)} changed in the bucket after the plan: overwritten (on-conflict: overwrite).`);
              sent = await send(undefined);
            }
            const { etag, md5 } = sent;
            if (!upload.artifact) {
              const entry: ManifestEntry = { etag, md5, size: upload.size };
              const blob = upload.blob ?? (blobs && target.modelPath ? blobs.get(target.modelPath(upload.rel)) : undefined);
              if (blob) entry.blob = blob;
              uploadedEntries.set(upload.rel, entry);
            }
            result.uploaded += 1;
            result.bytesUploaded += upload.size;
            uploadedKeys.push(key); // logged once at the end: a line per file costs a write each
          } catch (error) {
            // A run artifact a run wrote meanwhile is the run's to keep, as the plan keeps those that differ.
            if (error instanceof ChangedSincePlan && upload.artifact) result.notes.push(`${upload.rel}: written by a run after the plan, the run's version is kept`);
            else if (error instanceof ChangedSincePlan) result.changedAfterPlan.push(key);
            else result.failures.push({ key, error: (error as Error).message });
          }
        }),
      ),
    );

    if (uploadedKeys.length > 0) logger.debug(`Uploaded ${uploadedKeys.length} file(s) to ${target.prefix}:\n${listForLog(uploadedKeys.sort(), Infinity)}`);

    if (result.notStarted > 0) result.notes.push(`${result.notStarted} upload(s) not started: the run was cancelled`);
    if (decision.deletes.length > 0) {
      if (result.failures.length > 0 || result.notStarted > 0) {
        result.notes.push(`${decision.deletes.length} delete(s) postponed: not every upload was done`);
      } else {
        const deletes = decision.deletes.map((item) => ({ key: keyOf(target, item.rel), planned: item.planned as string | undefined }));
        logger.info(`Deleting ${deletes.length} file(s) no longer in the repository:\n${listForLog(deletes.map((item) => item.key), Infinity)}`);
        let done = await deleteKeys(s3, bucket, deletes, retry);
        if (done.changed.length > 0 && this.#config.options.onConflict === 'overwrite') {
          logger.warning(`${done.changed.length} file(s) to delete changed in the bucket after the plan: deleted anyway (on-conflict: overwrite).`);
          const again = await deleteKeys(s3, bucket, done.changed.map((key) => ({ key, planned: undefined })), retry);
          done = { deleted: [...done.deleted, ...again.deleted].sort(), failures: [...done.failures, ...again.failures], changed: again.changed };
        }
        result.failures.push(...done.failures);
        result.changedAfterPlan.push(...done.changed);
        result.deletedKeys = done.deleted;
        result.deleted = done.deleted.length;
      }
    }

    const next = this.#nextManifest(target, decision, uploadedEntries, blobs);
    const nothingToRecord = target.manifest === null && next.files.size === 0;
    // A first sync that did not finish records nothing: its rerun is a first sync again and finishes the job
    // (old-script files the plan would delete are still the migration's to delete, not someone else's additions).
    // Not when someone wrote in between: what they wrote must be known as theirs on the rerun.
    const unfinishedFirstSync =
      target.manifest === null && result.changedAfterPlan.length === 0 && (result.failures.length > 0 || result.notStarted > 0);
    if (!nothingToRecord && !unfinishedFirstSync && !sameEntries(next.files, target.manifest?.files ?? null)) {
      try {
        await withRetries(() => writeManifest(s3, bucket, manifestKey(target), next, target.recordEtag ?? null), retry);
      } catch (error) {
        result.failures.push({ key: manifestKey(target), error: (error as Error).message });
      }
    }
    if (result.changedAfterPlan.length > 0) {
      result.changedAfterPlan.sort();
      const list = listForLog(result.changedAfterPlan, 1000);
      result.notes.push(`${result.changedAfterPlan.length} file(s) changed in the bucket after the plan: left as they are`);
      if (this.#config.options.onConflict === 'skip') logger.warning(`Left ${result.changedAfterPlan.length} file(s) that changed in the bucket after the plan as they are (on-conflict: skip):\n${list}`);
      else result.status = 'conflict';
    }
    if (result.failures.length > 0 || result.notStarted > 0) result.status = 'failed';
    if (result.uploaded + result.deleted > 0 || result.failures.length > 0) {
      logger.info(`${target.prefix}: ${result.uploaded} uploaded (${formatBytes(result.bytesUploaded)}), ${result.deleted} deleted, ${result.unchanged} unchanged`);
    }
    return result;
  }

  #nextManifest(
    target: TargetPlan,
    decision: PrefixDecision,
    uploaded: ReadonlyMap<string, ManifestEntry>,
    blobs: Map<string, string> | null,
  ): SyncManifest {
    const files = new Map(decision.carriedEntries);
    for (const item of decision.unchanged) {
      if (item.artifact) continue;
      const blob = item.entry.blob ?? (blobs && target.modelPath ? blobs.get(target.modelPath(item.rel)) : undefined);
      files.set(item.rel, blob ? { ...item.entry, blob } : item.entry);
    }
    for (const upload of decision.uploads) {
      const previous = target.manifest?.files.get(upload.rel);
      const sent = uploaded.get(upload.rel);
      if (sent) files.set(upload.rel, sent);
      else if (previous && !upload.artifact) files.set(upload.rel, previous); // not written: the record stays as it was
    }
    const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { version: 1, prefix: target.prefix, commit: this.#config.commitSha, updatedAt: new Date().toISOString(), files: sorted };
  }

  // ---------------------------------------------------------------- reports

  reportPlan(plan: SyncPlan): StepReport {
    return reportPlan(plan);
  }

  reportOutcome(outcome: SyncOutcome): StepReport {
    return reportOutcome(outcome);
  }
}

function sameEntries(a: ReadonlyMap<string, ManifestEntry>, b: ReadonlyMap<string, ManifestEntry> | null): boolean {
  if (b === null || a.size !== b.size) return false;
  for (const [rel, entry] of a) {
    const other = b.get(rel);
    if (!other || other.etag !== entry.etag || other.md5 !== entry.md5 || other.size !== entry.size || other.blob !== entry.blob) return false;
  }
  return true;
}
