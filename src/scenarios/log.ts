/** What the sync writes to the run's log: keys, lists of keys, and the plan prefix by prefix. */
import { formatBytes } from '../ground/format.ts';
import type { Logger } from '../ground/logger.ts';
import { printable } from '../ground/printable.ts';
import type { SyncPlan, Target } from './types.ts';

/** Uploads listed in the log at info level; the full list goes to the debug log. */
const LISTED_FILES_IN_LOG = 100;

/** The S3 key of a file of a target. */
export function keyOf(target: Pick<Target, 'prefix'>, rel: string): string {
  return `${target.prefix}${rel}`;
}

/** Keys and paths, one a line: each made printable, so that a key holding a line feed stays on its line. */
export function listForLog(items: readonly string[], limit: number): string {
  const shown = items.slice(0, limit).map((item) => `  ${printable(item)}`);
  if (items.length > limit) shown.push(`  ... and ${items.length - limit} more`);
  return shown.join('\n');
}

/** A line per prefix, then what would be uploaded and deleted where the prefix would sync. */
export function logPlan(plan: SyncPlan, logger: Logger): void {
  logger.info(`Scenarios: ${plan.selection}; bucket ${plan.bucket}`);
  for (const target of plan.targets) {
    const decision = target.decision;
    const notes = target.notes.length ? ` (${target.notes.join('; ')})` : '';
    if (!decision) {
      logger.info(`${target.prefix}: ${target.status}${notes}`);
      continue;
    }
    const bytes = decision.uploads.reduce((sum, upload) => sum + upload.size, 0);
    logger.info(
      `${target.prefix}: ${target.status}; ${decision.uploads.length} to upload (${formatBytes(bytes)}), ` +
        `${decision.deletes.length} to delete, ${decision.unchanged.length} unchanged${notes}`,
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
