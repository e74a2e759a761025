/** Job-summary reports of the scenario sync: a row per scenario, outputs, and the files deleted or in conflict. */
import { formatBytes } from '../ground/format.ts';
import { mdCode, mdRow, mdText } from '../ground/markdown.ts';
import type { StepReport } from '../ground/step.ts';
import type { SyncOutcome, SyncPlan, TargetPlan } from './types.ts';

const PLAN_STATUS: Record<TargetPlan['status'], string> = {
  sync: 'will sync',
  unchanged: 'unchanged',
  locked: 'skipped: locked',
  conflict: 'stopped: conflict',
  'removed-locally': 'skipped: not in the repository',
};

const MAX_LISTED = 50;

function fileList(title: string, keys: readonly string[]): string {
  if (keys.length === 0) return '';
  const shown = keys.slice(0, MAX_LISTED).map((key) => `- ${mdCode(key)}`);
  if (keys.length > MAX_LISTED) shown.push(`- ... and ${keys.length - MAX_LISTED} more (see the log)`);
  return `\n<details><summary>${title} (${keys.length})</summary>\n\n${shown.join('\n')}\n\n</details>\n`;
}

function scenarioNames(targets: ReadonlyArray<{ kind: string; name: string; status: string }>, statuses: readonly string[]): string {
  return JSON.stringify(targets.filter((t) => t.kind === 'scenario' && statuses.includes(t.status)).map((t) => t.name));
}

export function reportPlan(plan: SyncPlan): StepReport {
  let uploads = 0;
  let bytes = 0;
  let deletes = 0;
  let unchanged = 0;
  let excluded = 0;
  const rows: string[] = [];
  const toDelete: string[] = [];
  const conflicts: string[] = [];
  for (const target of plan.targets) {
    const decision = target.decision;
    const active = target.status === 'sync' || target.status === 'unchanged';
    const up = active ? (decision?.uploads ?? []) : [];
    const del = active ? (decision?.deletes ?? []) : [];
    const upBytes = up.reduce((sum, item) => sum + item.size, 0);
    uploads += up.length;
    bytes += upBytes;
    deletes += del.length;
    unchanged += decision?.unchanged.length ?? 0;
    excluded += target.excluded ?? 0;
    toDelete.push(...del.map((item) => `${target.prefix}${item.rel}`));
    conflicts.push(...(decision?.conflicts ?? []).map((c) => `${target.prefix}${c.rel}: ${c.reason}`));
    const status = target.blocking ? `${PLAN_STATUS[target.status]} (fails the step)` : PLAN_STATUS[target.status];
    rows.push(
      mdRow([mdCode(target.prefix), status, `${up.length} (${formatBytes(upBytes)})`, String(del.length), String(decision?.unchanged.length ?? '-'), mdText(target.notes.join('; '))]),
    );
  }
  const toSync = plan.targets.filter((target) => target.status === 'sync').length;
  const status = plan.problems.length > 0 ? 'would fail' : toSync > 0 ? `would sync ${toSync} prefix(es)` : 'unchanged';
  const markdown =
    prefixTable(['Prefix', 'Plan', 'Upload', 'Delete', 'Unchanged', 'Notes'], rows) +
    fileList('Files that would be deleted', toDelete) +
    fileList('Files changed outside the action', conflicts);
  return {
    step: 'scenarios',
    status,
    details: [
      ['Bucket', plan.bucket],
      ['Scenarios', plan.selection],
      ['Would upload', `${uploads} file(s), ${formatBytes(bytes)}`],
      ['Would delete', String(deletes)],
      ['Unchanged', String(unchanged)],
      ['Excluded', `${excluded} local file(s): never uploaded`],
    ],
    outputs: syncOutputs(plan.targets, { uploads: 0, bytes: 0, deletes: 0, unchanged }),
    markdown,
  };
}

const OUTCOME_STATUS: Record<string, string> = {
  sync: 'synced',
  unchanged: 'unchanged',
  locked: 'skipped: locked',
  conflict: 'stopped: conflict',
  'removed-locally': 'skipped: not in the repository',
  failed: 'failed',
};

export function reportOutcome(outcome: SyncOutcome): StepReport {
  let uploads = 0;
  let bytes = 0;
  let deletes = 0;
  let unchanged = 0;
  let excluded = 0;
  const rows: string[] = [];
  const failures: string[] = [];
  const deleted: string[] = [];
  for (const target of outcome.targets) {
    deleted.push(...target.deletedKeys);
    uploads += target.uploaded;
    bytes += target.bytesUploaded;
    deletes += target.deleted;
    unchanged += target.unchanged;
    excluded += target.excluded;
    failures.push(...target.failures.map((f) => `${f.key}: ${f.error}`));
    rows.push(
      mdRow([mdCode(target.prefix), OUTCOME_STATUS[target.status] ?? target.status, `${target.uploaded} (${formatBytes(target.bytesUploaded)})`, String(target.deleted), String(target.unchanged), mdText(target.notes.join('; '))]),
    );
  }
  const synced = outcome.targets.filter((target) => target.status === 'sync').length;
  const status = outcome.problems.length > 0 ? 'failed' : synced > 0 ? `synced ${synced} prefix(es)` : 'unchanged';
  const markdown =
    prefixTable(['Prefix', 'Result', 'Uploaded', 'Deleted', 'Unchanged', 'Notes'], rows) +
    fileList('Deleted files', deleted) +
    fileList('Failures', failures);
  return {
    step: 'scenarios',
    status,
    details: [
      ['Bucket', outcome.bucket],
      ['Uploaded', `${uploads} file(s), ${formatBytes(bytes)}`],
      ['Deleted', String(deletes)],
      ['Unchanged', String(unchanged)],
      ['Excluded', `${excluded} local file(s): never uploaded`],
    ],
    outputs: syncOutputs(outcome.targets, { uploads, bytes, deletes, unchanged }),
    markdown,
  };
}

/** One row a prefix, under its heading. */
function prefixTable(columns: readonly string[], rows: readonly string[]): string {
  if (rows.length === 0) return 'No scenario selected.\n';
  return `${mdRow(columns)}\n${mdRow(columns.map(() => '---'))}\n${rows.join('\n')}\n`;
}

/** The action outputs of the scenarios step (a plan uploads, deletes nothing yet). */
function syncOutputs(
  targets: ReadonlyArray<{ name: string; kind: string; status: string }>,
  counts: { uploads: number; bytes: number; deletes: number; unchanged: number },
): Record<string, string> {
  return {
    scenarios: scenarioNames(targets, ['sync', 'unchanged']),
    'files-uploaded': String(counts.uploads),
    'bytes-uploaded': String(counts.bytes),
    'files-deleted': String(counts.deletes),
    'files-unchanged': String(counts.unchanged),
  };
}
