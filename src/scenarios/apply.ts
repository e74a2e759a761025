/**
 * Applying the plan of one prefix: every upload (conditional on what the plan saw), then, only when all of them
 * succeeded, the deletes, then the record of what was written. A file written by someone else since the plan is
 * left as it is (`on-conflict`); a cancelled run starts no further upload and deletes nothing.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { formatBytes } from '../ground/format.ts';
import type { Logger } from '../ground/logger.ts';
import { printable } from '../ground/printable.ts';
import type { SyncSettings } from '../ground/settings/sync.ts';
import type { PlannedUpload, PrefixDecision } from './decide.ts';
import type { Slots } from './limit.ts';
import { keyOf, listForLog } from './log.ts';
import { nextRecord, recordNeedsWriting } from './record.ts';
import { manifestKey, writeManifest, type ManifestEntry } from './remote.ts';
import { ChangedSincePlan, deleteKeys, uploadFile, withRetries, type RetryOptions } from './transfer.ts';
import type { TargetOutcome, TargetPlan } from './types.ts';

/** What applying a prefix needs, the same for every prefix of the plan. */
export interface PrefixApplying {
  s3: S3Client;
  bucket: string;
  settings: SyncSettings;
  logger: Logger;
  /** Recorded in the metadata of every uploaded object, and in the record. */
  commit: string | undefined;
  retry: RetryOptions;
  signal?: AbortSignal;
  /** Uploads at once, shared by every prefix. */
  uploadSlots: Slots;
  /** Git blob ids of clean tracked files, relative to the model folder (null: git cannot tell). */
  blobs: ReadonlyMap<string, string> | null;
}

export async function applyPrefix(applying: PrefixApplying, target: TargetPlan): Promise<TargetOutcome> {
  const { logger } = applying;
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
    excluded: target.excluded ?? 0,
  };
  if (!decision || (target.status !== 'sync' && target.status !== 'unchanged')) return result;

  const uploaded = await uploadAll(applying, target, decision.uploads, result);
  if (result.notStarted > 0) result.notes.push(`${result.notStarted} upload(s) not started: the run was cancelled`);
  await deleteRemoved(applying, target, decision, result);
  await writeRecord(applying, target, decision, uploaded, result);
  if (result.changedAfterPlan.length > 0) {
    result.changedAfterPlan.sort();
    result.notes.push(`${result.changedAfterPlan.length} file(s) changed in the bucket after the plan: left as they are`);
    if (applying.settings.onConflict === 'skip') {
      logger.warning(
        `Left ${result.changedAfterPlan.length} file(s) that changed in the bucket after the plan as they are (on-conflict: skip):\n${listForLog(result.changedAfterPlan, 1000)}`,
      );
    } else {
      result.status = 'conflict';
    }
  }
  if (result.failures.length > 0 || result.notStarted > 0) result.status = 'failed';
  if (result.uploaded + result.deleted > 0 || result.failures.length > 0) {
    logger.info(`${target.prefix}: ${result.uploaded} uploaded (${formatBytes(result.bytesUploaded)}), ${result.deleted} deleted, ${result.unchanged} unchanged`);
  }
  return result;
}

function blobOf(applying: PrefixApplying, target: TargetPlan, rel: string): string | undefined {
  return applying.blobs && target.modelPath ? applying.blobs.get(target.modelPath(rel)) : undefined;
}

/** Runs every upload of the prefix; returns the record entry of each one written (run artifacts have none). */
async function uploadAll(
  applying: PrefixApplying,
  target: TargetPlan,
  uploads: readonly PlannedUpload[],
  result: TargetOutcome,
): Promise<Map<string, ManifestEntry>> {
  const entries = new Map<string, ManifestEntry>();
  const uploadedKeys: string[] = [];
  await Promise.all(
    uploads.map((upload) =>
      applying.uploadSlots.run(async () => {
        const key = keyOf(target, upload.rel);
        if (applying.signal?.aborted) {
          result.notStarted += 1;
          return;
        }
        try {
          const { etag, md5 } = await uploadOne(applying, key, upload);
          if (!upload.artifact) {
            const entry: ManifestEntry = { etag, md5, size: upload.size };
            const blob = upload.blob ?? blobOf(applying, target, upload.rel);
            if (blob) entry.blob = blob;
            entries.set(upload.rel, entry);
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
  if (uploadedKeys.length > 0) applying.logger.debug(`Uploaded ${uploadedKeys.length} file(s) to ${target.prefix}:\n${listForLog(uploadedKeys.sort(), Infinity)}`);
  return entries;
}

/**
 * One upload, retried, conditional on what the plan saw at the key. With on-conflict: overwrite, a file (not a run
 * artifact) changed since the plan is written again, unconditionally.
 */
async function uploadOne(applying: PrefixApplying, key: string, upload: PlannedUpload): Promise<{ etag: string; md5: string }> {
  const { s3, bucket, commit, retry, logger } = applying;
  const send = (planned: string | null | undefined) =>
    withRetries(
      () => uploadFile({ s3, bucket, key, path: upload.path, size: upload.size, md5: upload.md5, commitSha: commit, planned }),
      { ...retry, retryIf: (error) => !(error instanceof ChangedSincePlan) },
      (error, attempt) => logger.debug(`Upload of ${printable(key)} failed (attempt ${attempt}), retrying: ${(error as Error).message}`),
    );
  try {
    return await send(upload.planned);
  } catch (error) {
    if (!(error instanceof ChangedSincePlan) || upload.artifact || applying.settings.onConflict !== 'overwrite') throw error;
    logger.warning(`${printable(key)} changed in the bucket after the plan: overwritten (on-conflict: overwrite).`);
    return send(undefined);
  }
}

/** The planned deletes, once every upload of the prefix is done; postponed otherwise. */
async function deleteRemoved(applying: PrefixApplying, target: TargetPlan, decision: PrefixDecision, result: TargetOutcome): Promise<void> {
  const { s3, bucket, retry, logger } = applying;
  if (decision.deletes.length === 0) return;
  if (result.failures.length > 0 || result.notStarted > 0) {
    result.notes.push(`${decision.deletes.length} delete(s) postponed: not every upload was done`);
    return;
  }
  const deletes = decision.deletes.map((item) => ({ key: keyOf(target, item.rel), planned: item.planned as string | undefined }));
  logger.info(`Deleting ${deletes.length} file(s) no longer in the repository:\n${listForLog(deletes.map((item) => item.key), Infinity)}`);
  let done = await deleteKeys(s3, bucket, deletes, retry);
  if (done.changed.length > 0 && applying.settings.onConflict === 'overwrite') {
    logger.warning(`${done.changed.length} file(s) to delete changed in the bucket after the plan: deleted anyway (on-conflict: overwrite).`);
    const again = await deleteKeys(s3, bucket, done.changed.map((key) => ({ key, planned: undefined })), retry);
    done = { deleted: [...done.deleted, ...again.deleted].sort(), failures: [...done.failures, ...again.failures], changed: again.changed };
  }
  result.failures.push(...done.failures);
  result.changedAfterPlan.push(...done.changed);
  result.deletedKeys = done.deleted;
  result.deleted = done.deleted.length;
}

/** Writes the next record when it differs, conditional on the one the plan read; a failure is the prefix's. */
async function writeRecord(
  applying: PrefixApplying,
  target: TargetPlan,
  decision: PrefixDecision,
  uploaded: ReadonlyMap<string, ManifestEntry>,
  result: TargetOutcome,
): Promise<void> {
  const { s3, bucket, retry } = applying;
  const next = nextRecord({
    prefix: target.prefix,
    previous: target.manifest,
    decision,
    uploaded,
    blobOf: (rel) => blobOf(applying, target, rel),
    commit: applying.commit,
    updatedAt: new Date().toISOString(),
  });
  if (!recordNeedsWriting(target.manifest, next, result)) return;
  try {
    await withRetries(() => writeManifest(s3, bucket, manifestKey(target), next, target.recordEtag ?? null), retry);
  } catch (error) {
    result.failures.push({ key: manifestKey(target), error: (error as Error).message });
  }
}

/** The problems of a whole apply: the plan's, then the files that failed, changed after the plan, or were not started. */
export function applyProblems(planProblems: readonly string[], outcomes: readonly TargetOutcome[]): string[] {
  const problems = [...planProblems];
  for (const target of outcomes.filter((item) => item.failures.length > 0)) {
    problems.push(`${target.failures.length} file(s) of ${target.prefix} failed:\n${listForLog(target.failures.map((f) => `${f.key}: ${f.error}`), 50)}`);
  }
  for (const target of outcomes.filter((item) => item.status === 'conflict' && item.changedAfterPlan.length > 0)) {
    problems.push(
      `${target.changedAfterPlan.length} file(s) of ${target.prefix} changed in the bucket after the plan (a web-app edit?) and were left as they are:\n` +
        `${listForLog(target.changedAfterPlan, 50)}\nKeep the remote version (copy it into the repository), or rerun with on-conflict: overwrite.`,
    );
  }
  const notStarted = outcomes.reduce((sum, target) => sum + target.notStarted, 0);
  if (notStarted > 0) problems.push(`The run was cancelled: ${notStarted} upload(s) not started, no file deleted.`);
  return problems;
}
