/**
 * What the scenarios step plans and what it did: one entry per synced prefix (a scenario, or `_common/` for the
 * model-wide files). Shared by the planning, the applying and the report.
 */
import { DeployError } from '../ground/errors.ts';
import type { PrefixDecision } from './decide.ts';
import type { RemoteObject, SyncManifest } from './remote.ts';

export type TargetStatus = 'sync' | 'unchanged' | 'locked' | 'conflict' | 'removed-locally';

/** Which prefix: a scenario (`<name>/`) or the model-wide files (`_common/`). */
export interface Target {
  kind: 'scenario' | 'common';
  /** Scenario name, or `_common`. */
  name: string;
  /** Remote prefix, with its trailing slash. */
  prefix: string;
}

export const COMMON_TARGET: Target = { kind: 'common', name: '_common', prefix: '_common/' };

export function scenarioTarget(name: string): Target {
  return { kind: 'scenario', name, prefix: `${name}/` };
}

/** The plan for one prefix. */
export interface TargetPlan extends Target {
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
  /** Local files left out: clutter, git-ignored, input `exclude`. */
  excluded?: number;
}

export interface SyncPlan {
  bucket: string;
  /** How the scenarios were chosen, for the report. */
  selection: string;
  targets: TargetPlan[];
  /** Why the sync cannot fully succeed (a blocked scenario). Empty when it can; a deploy stops on a plan with any. */
  problems: string[];
  /** Git blob ids of the clean tracked files, by path relative to the model folder; null when git cannot tell. */
  blobs: ReadonlyMap<string, string> | null;
}

export interface TargetOutcome extends Target {
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
  /** Local files left out, as planned. */
  excluded: number;
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
