/**
 * Runs the deploy steps in order: preflight (read-only) → plan every selected step (read-only) → in deploy mode,
 * apply image → Lambda → state machine → scenarios. Nothing is written before every plan has succeeded.
 * When the state machine update fails after the Lambda moved, the Lambda is rolled back (input `rollback`).
 */
import { heldLogger, type Logger } from '../ground/logger.ts';
import { loadContainerSteps, type AwsClients } from '../ground/aws.ts';
import type { DockerEngine } from '../image/docker.ts';
import type { ImagePlan } from '../image/step.ts';
import type { LambdaOutcome, LambdaPlan, LambdaStep } from '../lambda/step.ts';
import type { DeployOptions, GitContext } from '../ground/settings/deploy.ts';
import { imageTagsFor, shouldPublish } from '../ground/settings/deploy.ts';
import { runPreflight } from './preflight.ts';
import type { DeployTarget, Preflight } from './preflight.ts';
import type { StateMachinePlan } from '../state-machine/step.ts';
import { DeployError } from '../ground/step.ts';
import type { DeployStep, StepName, StepReport } from '../ground/step.ts';

export interface RunDeployInput {
  mode: 'plan' | 'deploy';
  clients: AwsClients;
  logger: Logger;
  target: DeployTarget;
  options: DeployOptions;
  git: GitContext;
  /** The model's step-functions.json (text, placeholders unfilled) and its path for messages. */
  definition: { text: string; path: string };
  /** Docker engine for the image step (default: the docker CLI on PATH). */
  docker?: DockerEngine;
  /**
   * The scenarios step (not part of this module), made with the logger it must use. Its plan only reads, so it
   * starts at once, and its bucket reads leave before the preflight's: listing a bucket of thousands of keys is
   * most of a small sync's time. What it logs while planning is shown under the plan's heading.
   */
  scenarios?: (logger: Logger) => DeployStep<unknown, unknown>;
  /** Seconds between Lambda status polls (default 1 to 15). */
  lambdaPollDelay?: { min: number; max: number };
  /**
   * Deploy mode: the lock taken after every plan succeeded and before the first write (so that two deploys of
   * one model never interleave), checked before each write and released at the end, also on failure.
   */
  lock?: (preflight: Preflight) => Promise<HeldLock>;
  /** Aborted when the run is cancelled (SIGINT/SIGTERM): no further step starts; the lock is released. */
  signal?: AbortSignal;
}

export interface HeldLock {
  assertHeld(): void;
  release(): Promise<void>;
}

export interface DeployRunResult {
  preflight: Preflight;
  /** One report per step, in order, including skipped steps. */
  reports: StepReport[];
  /** Action outputs gathered from the reports. */
  outputs: Record<string, string>;
}

/** A failure after preflight: carries the reports of the steps that were done, for the summary. */
export class DeployRunError extends DeployError {
  readonly reports: StepReport[];
  constructor(error: DeployError, reports: StepReport[]) {
    super(error.message, error.hint, { cause: error.cause ?? error });
    this.name = 'DeployRunError';
    this.reports = reports;
  }
}

export async function runDeploySteps(input: RunDeployInput): Promise<DeployRunResult> {
  const { mode, clients, logger, target, options, git } = input;
  const selected = new Set<StepName>(options.steps);
  const publish = shouldPublish(options, git);
  const imageTag = imageTagsFor(options, git)[0];

  const needImage = selected.has('image') || selected.has('lambda');
  // Only a run with a container step loads their code: a scenarios-only run never parses it.
  const containerLoading = needImage || selected.has('state-machine') ? loadContainerSteps() : undefined;
  containerLoading?.catch(() => {}); // awaited below
  const scenariosLog = heldLogger(logger);
  const scenarios = selected.has('scenarios') && input.scenarios ? input.scenarios(scenariosLog) : undefined;
  const scenariosPlanning = scenarios?.plan();
  scenariosPlanning?.catch(() => {}); // awaited below, after the preflight, whose failure is reported first
  await scenarios?.planReadsSent?.(); // its bucket listings go out first: they are the longest wait
  const preflight = await logger.group('Preflight (read-only)', () =>
    runPreflight(clients, target, options.steps, logger, mode === 'deploy' && input.lock ? ['bucket'] : []),
  );

  // --- plans (read-only) ---------------------------------------------------------------------------------------
  const container = await containerLoading;
  const image = container && needImage
    ? new container.ImageStep({
        clients,
        logger,
        preflight,
        target,
        // Without the image step, the Lambda uses the tag as it is in the repository: never plan a build.
        options: selected.has('image') ? options : { ...options, forceBuild: false },
        git,
        docker: input.docker ?? new container.CliDockerEngine({ logger }),
        requireDocker: mode === 'deploy' && selected.has('image'),
      })
    : undefined;
  const lambda = container && selected.has('lambda')
    ? new container.LambdaStep({
        clients,
        logger,
        preflight,
        imageTag,
        commitSha: git.sha,
        publish,
        alias: options.alias,
        waitTimeoutMinutes: options.waitTimeoutMinutes,
        pollDelay: input.lambdaPollDelay,
      })
    : undefined;
  const stateMachine = container && selected.has('state-machine')
    ? new container.StateMachineStep({
        clients,
        logger,
        preflight,
        target,
        definitionText: input.definition.text,
        definitionPath: input.definition.path,
        publish,
        imageTag,
        commitSha: git.sha,
      })
    : undefined;

  const { imagePlan, lambdaPlan, machinePlan, scenariosPlan } = await logger.group('Plan (read-only)', async () => {
    const imagePlan = image ? await image.plan() : undefined;
    if (imagePlan && !selected.has('image') && imagePlan.action === 'build') {
      throw new DeployError(
        `The Lambda step needs image ${imagePlan.repositoryUri}:${imagePlan.tags[0]}, which is not in the repository.`,
        'Add `image` to input `steps`, or set input `image-tag` to a tag that was pushed.',
      );
    }
    const lambdaPlan = lambda ? await lambda.plan(imagePlan?.imageUri) : undefined;
    const machinePlan = stateMachine ? await stateMachine.plan() : undefined;
    scenariosLog.release();
    const scenariosPlan = scenariosPlanning ? await scenariosPlanning : undefined;
    return { imagePlan, lambdaPlan, machinePlan, scenariosPlan };
  });

  const skipped = (step: StepName): StepReport => ({
    step,
    status: step === 'scenarios' && selected.has('scenarios') ? 'skipped (no scenarios step given)' : 'skipped (not in steps)',
    details: [],
    outputs: {},
  });

  if (mode === 'plan') {
    const reports = [
      selected.has('image') && image && imagePlan ? image.reportPlan(imagePlan) : skipped('image'),
      lambda && lambdaPlan ? lambda.reportPlan(lambdaPlan) : skipped('lambda'),
      stateMachine && machinePlan ? stateMachine.reportPlan(machinePlan) : skipped('state-machine'),
      scenarios ? scenarios.reportPlan(scenariosPlan) : skipped('scenarios'),
    ];
    return { preflight, reports, outputs: collectOutputs(reports) };
  }

  // --- apply (writes) ------------------------------------------------------------------------------------------
  const reports: StepReport[] = [];
  throwIfCancelled(input.signal);
  const lock = input.lock ? await logger.group('Deploy lock', () => input.lock!(preflight)) : undefined;
  const timed = async <T>(title: string, task: () => Promise<T>): Promise<{ value: T; seconds: number }> => {
    throwIfCancelled(input.signal);
    lock?.assertHeld();
    const started = performance.now();
    const value = await logger.group(title, task);
    return { value, seconds: (performance.now() - started) / 1000 };
  };
  let lambdaOutcome: LambdaOutcome | undefined;
  try {
    let imageUri = imagePlan?.imageUri;
    if (image && imagePlan && selected.has('image')) {
      const { value, seconds } = await timed('Image', () => image.apply(imagePlan));
      imageUri = value.imageUri;
      reports.push({ ...image.reportOutcome(value), seconds });
    } else {
      reports.push(skipped('image'));
    }

    if (lambda && lambdaPlan) {
      const plan: LambdaPlan = { ...lambdaPlan, imageUri };
      const { value, seconds } = await timed('Lambda', () => lambda.apply(plan));
      lambdaOutcome = value;
      reports.push({ ...lambda.reportOutcome(value), seconds });
    } else {
      reports.push(skipped('lambda'));
    }

    if (stateMachine && machinePlan) {
      const plan: StateMachinePlan = machinePlan;
      try {
        const { value, seconds } = await timed('State machine', () => stateMachine.apply(plan));
        reports.push({ ...stateMachine.reportOutcome(value), seconds });
      } catch (error) {
        throw await rollbackAfter(error, lambda, lambdaOutcome, options.rollback, logger);
      }
    } else {
      reports.push(skipped('state-machine'));
    }

    if (scenarios) {
      const { value, seconds } = await timed('Scenarios', () => scenarios.apply(scenariosPlan));
      reports.push({ ...scenarios.reportOutcome(value), seconds });
    } else {
      reports.push(skipped('scenarios'));
    }
  } catch (error) {
    if (error instanceof DeployError) throw new DeployRunError(error, reports);
    throw error;
  } finally {
    // Never let the release hide the run's own error: a lock that stays in place expires by itself.
    await lock?.release().catch((error: unknown) => logger.warning(`Could not release the deploy lock: ${String((error as Error)?.message ?? error)}`));
  }
  return { preflight, reports, outputs: collectOutputs(reports) };
}

/** After a failed state machine update: roll the Lambda back when it moved and rollback is on; the error says so. */
async function rollbackAfter(
  error: unknown,
  lambda: LambdaStep | undefined,
  outcome: LambdaOutcome | undefined,
  rollback: boolean,
  logger: Logger,
): Promise<DeployError> {
  const failure = error instanceof DeployError ? error : new DeployError(String((error as Error)?.message ?? error), undefined, { cause: error });
  const moved = outcome && (outcome.codeUpdated || outcome.environmentUpdated || outcome.aliasArn !== undefined);
  if (!lambda || !outcome || !moved) return failure;
  if (!rollback) {
    return new DeployError(
      `${failure.message}\nThe Lambda function ${outcome.functionName} now runs ${outcome.imageUri} (rollback is off).`,
      failure.hint,
      { cause: error },
    );
  }
  try {
    const done = await lambda.rollback(outcome);
    logger.warning(`Rolled back Lambda function ${outcome.functionName}: ${done.join('; ')}.`);
    return new DeployError(
      `${failure.message}\nThe Lambda function ${outcome.functionName} was rolled back: ${done.join('; ')}.`,
      failure.hint,
      { cause: error },
    );
  } catch (rollbackError) {
    return new DeployError(
      `${failure.message}\nRolling back Lambda function ${outcome.functionName} to ${outcome.previous.imageUri} ALSO failed: ${(rollbackError as Error).message}`,
      'Point the function at its previous image by hand.',
      { cause: error },
    );
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new DeployError(
      `The run was cancelled (${String(signal.reason?.message ?? signal.reason)}) before this step; the steps above are done.`,
      'Run the deploy again: it picks up from what is already in place.',
    );
  }
}

function collectOutputs(reports: readonly StepReport[]): Record<string, string> {
  return Object.assign({}, ...reports.map((report) => report.outputs));
}

export type { ImagePlan };
