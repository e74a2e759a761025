/** Scenario sync to S3: the `scenarios` deploy step, what it plans and does, and its settings. */
export { ScenarioSyncStep } from './step.ts';
export type { ScenarioSyncKnobs } from './step.ts';
export { SyncError } from './types.ts';
export type { SyncPlan, SyncOutcome, Target, TargetPlan, TargetOutcome, TargetStatus } from './types.ts';
export { parseSyncSettings, scenarioNameProblem, SYNC_INPUTS, RUN_ARTIFACT_GLOBS, DEFAULT_UPLOAD_CONCURRENCY } from '../ground/settings/sync.ts';
export type { SyncSettings, ScenarioSelection, LockedPolicy, ConflictPolicy } from '../ground/settings/sync.ts';
