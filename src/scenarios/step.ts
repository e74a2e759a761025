/**
 * The `scenarios` deploy step: syncs `<model>/scenarios/<name>/` to `s3://<bucket>/<name>/` and the model-wide
 * files to `_common/`, by content, without ever losing data:
 * - nothing is deleted unless `delete-removed` is on, and never run artifacts (outputs/, logs/, info.json, .lock);
 * - a scenario locked remotely is left alone (`locked`);
 * - a file changed outside the action since the action wrote it stops its scenario (`on-conflict`); in a deploy,
 *   a plan with such a scenario stops the deploy before anything is written;
 * - every upload of a scenario succeeds before any of its deletes; a rerun finishes an interrupted sync.
 *
 * The plan chooses the scenarios (select.ts), plans each prefix at once (plan.ts) and, when it syncs a scenario,
 * checks that a `base` scenario remains (base.ts); the apply applies each prefix (apply.ts) and rewrites its record
 * (record.ts).
 */
import { stat } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { DeployError } from '../ground/errors.ts';
import type { Resource } from '../ground/resources.ts';
import type { Step, StepContext, StepReport } from '../ground/step.ts';
import { applyPrefix, applyProblems, type PrefixApplying } from './apply.ts';
import { checkBaseRemains } from './base.ts';
import { cleanTrackedBlobs, ignoredByGit } from './changed.ts';
import { keepHeapSmall, Slots } from './limit.ts';
import { listCommonFiles } from './local.ts';
import { logPlan } from './log.ts';
import { commonSide, planPrefix, readRemote, removedLocallyPlan, scenarioSide, type PrefixPlanning } from './plan.ts';
import { prefixHasObjects } from './remote.ts';
import { reportOutcome, reportPlan } from './report.ts';
import { selectScenarios } from './select.ts';
import { DEFAULT_RETRY, type RetryOptions } from './transfer.ts';
import { COMMON_TARGET, scenarioTarget, SyncError, type SyncOutcome, type SyncPlan, type TargetPlan } from './types.ts';

/** Knobs for tests; the run itself uses the defaults. */
export interface ScenarioSyncKnobs {
  /** Per-file retries on top of the SDK's own (default DEFAULT_RETRY; tests shorten the delays). */
  retry?: RetryOptions;
  /**
   * Ask git which files are tracked and unmodified (default true): such a file whose blob id and size are those
   * the action recorded, while the remote object still has the recorded ETag, is not read again.
   */
  useGit?: boolean;
}

const HASH_CONCURRENCY = 8;

export class ScenarioSyncStep implements Step<SyncPlan, SyncOutcome> {
  readonly name = 'scenarios' as const;
  readonly title = 'Scenarios';
  readonly needs: readonly Resource[] = ['bucket'];
  readonly #retry: RetryOptions;
  readonly #useGit: boolean;

  constructor(knobs: ScenarioSyncKnobs = {}) {
    this.#retry = knobs.retry ?? DEFAULT_RETRY;
    this.#useGit = knobs.useGit ?? true;
  }

  /**
   * Read-only. Every remote read starts as soon as its prefix is known, and the local work (git, file listings,
   * hashing) is done while they are on their way. In a deploy, a plan with a blocked scenario throws a DeployError:
   * nothing is written; in plan mode it is returned, and its report says the deploy would fail.
   */
  async plan(context: StepContext): Promise<SyncPlan> {
    const { settings, logger } = context;
    const { modelFolder, docsFolder } = settings.model;
    const bucket = context.target.bucketName;
    const folderInfo = await stat(modelFolder).catch(() => undefined);
    if (!folderInfo?.isDirectory()) {
      throw new DeployError(`Model folder ${modelFolder} does not exist.`, 'Set model-folder to the folder that holds scenarios/.');
    }
    keepHeapSmall();
    const s3 = context.aws.client(S3Client);
    const blobs = this.#useGit ? cleanTrackedBlobs(modelFolder) : Promise.resolve(null);
    const planning: PrefixPlanning = {
      s3,
      bucket,
      settings: settings.sync,
      logger,
      blobs,
      hashSlots: new Slots(HASH_CONCURRENCY),
      ignoredByGit: this.#useGit ? (folder, paths) => ignoredByGit(modelFolder, folder, paths) : async () => new Set(),
    };

    const chosen = await selectScenarios(modelFolder, settings.sync.scenarios, context.changedFiles);
    const scenarioReads = chosen.names.map((name) => readRemote(s3, bucket, scenarioTarget(name)));
    const common = await listCommonFiles(modelFolder, docsFolder);
    const commonReads = common.files.length > 0 || common.hasDocs ? readRemote(s3, bucket, COMMON_TARGET) : undefined;
    const baseCheck = chosen.names.includes('base') ? undefined : prefixHasObjects(s3, bucket, 'base/');
    baseCheck?.catch(() => {}); // awaited by checkBaseRemains

    const planned: Array<Promise<TargetPlan>> = [];
    if (commonReads) planned.push(planPrefix(planning, commonReads, commonSide(common, docsFolder)));
    for (const reads of scenarioReads) planned.push(planPrefix(planning, reads, scenarioSide(modelFolder, reads.target.name)));
    const targets = await Promise.all(planned);
    targets.push(...chosen.removedLocally.map(removedLocallyPlan));
    await checkBaseRemains(targets, { s3, bucket, modelFolder, logger }, baseCheck);

    const problems = targets.flatMap((target) => (target.blocking ? [target.blocking] : []));
    const plan: SyncPlan = { bucket, selection: chosen.selection, targets, problems, blobs: await blobs };
    logPlan(plan, logger);
    if (problems.length > 0 && context.mode === 'deploy') {
      throw new DeployError(
        `The scenario sync cannot complete, so nothing was deployed:\n${problems.join('\n')}`,
        'Bring the web-app edits into the repository, or set `on-conflict: skip` / `overwrite` (and `locked`) to decide.',
      );
    }
    if (problems.length > 0) logger.warning(`The scenario sync cannot complete: a deploy would stop before writing anything:\n${problems.join('\n')}`);
    return plan;
  }

  /**
   * Applies every prefix at once, the uploads sharing `upload-concurrency`. Ends with a SyncError, carrying the
   * outcome, when a file failed, changed in the bucket after the plan, or was not started (cancelled run), or when
   * the plan had a blocked scenario (the other prefixes are applied first).
   */
  async apply(plan: SyncPlan, context: StepContext): Promise<SyncOutcome> {
    const { settings, logger } = context;
    const applying: PrefixApplying = {
      s3: context.aws.client(S3Client),
      bucket: plan.bucket,
      settings: settings.sync,
      logger,
      commit: context.git.sha || undefined,
      retry: this.#retry,
      signal: context.signal,
      uploadSlots: new Slots(settings.sync.uploadConcurrency),
      blobs: plan.blobs,
    };
    const targets = await Promise.all(plan.targets.map((target) => applyPrefix(applying, target)));
    const outcome: SyncOutcome = { bucket: plan.bucket, targets, problems: applyProblems(plan.problems, targets) };
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

  report(plan: SyncPlan, outcome?: SyncOutcome): StepReport {
    return outcome ? reportOutcome(outcome) : reportPlan(plan);
  }
}
