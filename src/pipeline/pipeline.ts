/**
 * The pipeline: preflight (read-only) → plan every step (read-only) → in plan mode, report; in deploy mode, take
 * the deploy lock and apply the selected steps in order. Nothing is written before every plan has succeeded.
 * When a step fails, the steps applied before it are undone in reverse order (input `rollback`); the lock is
 * released whatever happens.
 */
import { DeployError, StepFailure } from '../ground/errors.ts';
import type { Preflight, Resource } from '../ground/resources.ts';
import type { Step, StepContext, StepName, StepReport } from '../ground/step.ts';

/** The run's facts, as every step sees them; the pipeline adds the preflight, the plans and the outcomes. */
export type RunFacts = Omit<StepContext, 'preflight' | 'plans' | 'outcomes'>;

/** The deploy lock as the pipeline uses it (src/lock/held-lock.ts implements it). */
export interface Lock {
  /** Throws a DeployError when the lock is no longer (or may no longer be) this run's. */
  assertHeld(): void;
  release(): Promise<void>;
}

export interface Pipeline {
  /** Every step, in the order they apply. */
  steps: readonly Step[];
  facts: RunFacts;
  /** Reads the account and the resources the planned steps need; throws a DeployError listing every problem. */
  preflight(needs: ReadonlySet<Resource>): Promise<Preflight>;
  /** Deploy mode: takes the lock after every plan succeeded, before the first write. */
  lock?(preflight: Preflight): Promise<Lock>;
  /** Undo the applied steps when a later one fails (input `rollback`). */
  undoOnFailure: boolean;
}

export interface PipelineResult {
  preflight: Preflight;
  /** One report per step, in order, skipped steps included. */
  reports: StepReport[];
  /** Each planned step's plan, by step. */
  plans: ReadonlyMap<StepName, unknown>;
}

/** A failure while applying: carries the plans and the reports of the steps done before it, for the summary. */
export class PipelineError extends DeployError {
  readonly reports: StepReport[];
  readonly plans: ReadonlyMap<StepName, unknown>;
  constructor(error: DeployError, reports: StepReport[], plans: ReadonlyMap<StepName, unknown>) {
    super(error.message, error.hint, { cause: error.cause ?? error });
    this.name = 'PipelineError';
    this.reports = reports;
    this.plans = plans;
  }
}

export async function runPipeline(pipeline: Pipeline): Promise<PipelineResult> {
  const { steps, facts } = pipeline;
  const { logger, selected } = facts;
  const planned = steps.filter((step) => step.isPlanned?.(selected, facts.settings) ?? selected.has(step.name));
  const needs = new Set(planned.flatMap((step) => step.needs));
  if (facts.mode === 'deploy' && pipeline.lock) needs.add('bucket'); // where the lock lives
  const preflight = await logger.group('Preflight (read-only)', () => pipeline.preflight(needs));

  const plans = new Map<StepName, unknown>();
  const outcomes = new Map<StepName, unknown>();
  const context: StepContext = { ...facts, preflight, plans, outcomes };
  await logger.group('Plan (read-only)', async () => {
    for (const step of planned) plans.set(step.name, await step.plan(context));
  });
  const applies = (step: Step) => selected.has(step.name) && plans.has(step.name);

  if (facts.mode === 'plan') {
    return { preflight, plans, reports: steps.map((step) => (applies(step) ? step.report(plans.get(step.name)) : skipped(step.name))) };
  }

  const reports: StepReport[] = [];
  const applied: Step[] = [];
  throwIfCancelled(facts.signal);
  const lock = pipeline.lock ? await logger.group('Deploy lock', () => pipeline.lock!(preflight)) : undefined;
  try {
    for (const step of steps) {
      if (!applies(step)) {
        reports.push(skipped(step.name));
        continue;
      }
      throwIfCancelled(facts.signal);
      lock?.assertHeld();
      const started = performance.now();
      const plan = plans.get(step.name);
      let outcome: unknown;
      try {
        outcome = await logger.group(step.title, () => step.apply(plan, context));
      } catch (error) {
        if (error instanceof StepFailure && error.report.step === step.name) {
          reports.push({ ...error.report, seconds: (performance.now() - started) / 1000 });
        }
        throw await undoAfter(error, applied, context, { enabled: pipeline.undoOnFailure, lock });
      }
      outcomes.set(step.name, outcome);
      applied.push(step);
      reports.push({ ...step.report(plan, outcome), seconds: (performance.now() - started) / 1000 });
    }
  } catch (error) {
    if (error instanceof DeployError) throw new PipelineError(error, reports, plans);
    throw error;
  } finally {
    // Never let the release hide the run's own error: a lock that stays in place expires by itself.
    await lock?.release().catch((error: unknown) => logger.warning(`Could not release the deploy lock: ${(error as Error)?.message ?? String(error)}`));
  }
  return { preflight, plans, reports };
}

/** Action outputs gathered from the reports, in step order. */
export function collectOutputs(reports: readonly StepReport[]): Record<string, string> {
  return Object.assign({}, ...reports.map((report) => report.outputs));
}

function skipped(step: StepName): StepReport {
  return { step, status: 'skipped (not in steps)', details: [], outputs: {} };
}

/**
 * After a failed step: undo the steps applied before it, last first, when `rollback` is on. Not when the run was
 * cancelled (the job is about to be killed: a half-done undo is worse than none) nor when the lock may no longer
 * be this run's (another deploy may have written since). The error says what was undone and what is left.
 */
async function undoAfter(
  error: unknown,
  applied: readonly Step[],
  context: StepContext,
  { enabled, lock }: { enabled: boolean; lock?: Lock },
): Promise<DeployError> {
  const failure = error instanceof DeployError ? error : new DeployError((error as Error)?.message ?? String(error), undefined, { cause: error });
  const undoable = applied.filter((step) => step.undo !== undefined).reverse();
  if (undoable.length === 0) return failure;
  const statusOf = (step: Step) => `${step.name} (${step.report(context.plans.get(step.name), context.outcomes.get(step.name)).status})`;
  const leftAsApplied = (why: string, steps: readonly Step[]) =>
    new DeployError(`${failure.message}\nLeft as applied (${why}): ${steps.map(statusOf).join(', ')}.`, failure.hint, { cause: error });
  if (!enabled) return leftAsApplied('rollback is off', undoable);
  if (context.signal?.aborted) return leftAsApplied('the run was cancelled', undoable);
  try {
    lock?.assertHeld();
  } catch (lockError) {
    return leftAsApplied(`the deploy lock may no longer be this run's: ${(lockError as Error).message}`, undoable);
  }
  const lines: string[] = [];
  for (const [index, step] of undoable.entries()) {
    try {
      const done = await context.logger.group(`Undo ${step.title}`, () => step.undo!(context.outcomes.get(step.name), context));
      if (done) {
        context.logger.warning(done);
        lines.push(done);
      }
    } catch (undoError) {
      lines.push(`Undoing the ${step.name} step ALSO failed: ${(undoError as Error)?.message ?? String(undoError)}`);
      const rest = undoable.slice(index + 1);
      if (rest.length > 0) lines.push(`Not undone, so as not to mix old and new: ${rest.map(statusOf).join(', ')}.`);
      return new DeployError(`${failure.message}\n${lines.join('\n')}`, 'Put back by hand what is named above, or deploy again once the cause is fixed.', { cause: error });
    }
  }
  return new DeployError(lines.length > 0 ? `${failure.message}\n${lines.join('\n')}` : failure.message, failure.hint, { cause: error });
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new DeployError(
      `The run was cancelled (${String(signal.reason?.message ?? signal.reason)}) before this step; the steps above are done.`,
      'Run the deploy again: it picks up from what is already in place.',
    );
  }
}
