/** Scenario sync to S3: the `scenarios` deploy step and its options. */
export { ScenarioSyncStep, SyncError } from './step.ts';
export type { ScenarioSyncConfig, SyncPlan, SyncOutcome, TargetPlan, TargetOutcome, TargetStatus } from './step.ts';
export { parseSyncOptions, scenarioNameProblem, SYNC_INPUTS, RUN_ARTIFACT_GLOBS, DEFAULT_UPLOAD_CONCURRENCY } from '../ground/settings/sync.ts';
export type { SyncOptions, ScenarioSelection, LockedPolicy, ConflictPolicy } from '../ground/settings/sync.ts';
