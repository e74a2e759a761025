/**
 * The smoke run (input `smoke-test`): after the deploy, one execution of the state machine with the file's JSON as
 * its input, as the Quetzal web app would start one; the run passes when the execution succeeds. The unqualified
 * state machine ARN is started (what the web app starts: after a deploy its definition is the one just deployed).
 * A failed, timed-out or aborted execution fails the step with a DeployError naming the execution, the state that
 * failed, its error and cause, so that the pipeline undoes the deploy (input `rollback`). An execution is not
 * undone: the step has no undo.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SFNClient, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { DeployError, StepFailure } from '../ground/errors.ts';
import { clip, printable } from '../ground/printable.ts';
import type { Settings } from '../ground/settings/index.ts';
import type { Step, StepContext, StepName, StepReport } from '../ground/step.ts';
import { loadSmokeTest } from '../validate/smoke-test.ts';
import {
  DEFAULT_POLL_DELAYS,
  executionName,
  readExecutionHistory,
  startExecution,
  stopExecution,
  waitForExecution,
  type PollDelays,
} from './execution.ts';
import { readHistory, type ExecutionHistory, type StateRow } from './history.ts';
import { describeFailure, smokeReport, stateLabel } from './report.ts';

export interface SmokePlan {
  /** The unqualified state machine ARN. */
  stateMachineArn: string;
  /** The smoke-test file, as the summary names it (relative to the model folder). */
  inputLabel: string;
  /** The execution input: the file's JSON object, as written. */
  input: string;
  timeoutMinutes: number;
}

export interface SmokeOutcome {
  executionArn: string;
  status: string;
  seconds: number;
  rows: StateRow[];
  /** False when the history was too long to read whole (or could not be read). */
  complete: boolean;
  note?: string;
}

/** A failed smoke run: a DeployError that carries the step's report, so the summary can show the states table. */
export class SmokeRunError extends StepFailure {
  constructor(message: string, hint: string, report: StepReport) {
    super(message, hint, report);
    this.name = 'SmokeRunError';
  }
}

export interface SmokeStepOptions {
  /** DescribeExecution's delays (tests shorten them). */
  pollDelays?: PollDelays;
}

const FAILED_STATUSES = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

export class SmokeStep implements Step<SmokePlan, SmokeOutcome> {
  readonly name = 'smoke' as const;
  readonly title = 'Smoke run';
  readonly needs = ['stateMachine'] as const;
  readonly #pollDelays: PollDelays;

  constructor(options: SmokeStepOptions = {}) {
    this.#pollDelays = options.pollDelays ?? DEFAULT_POLL_DELAYS;
  }

  /** Planned when input `smoke-test` names a file, whatever input `steps` says. */
  isPlanned(_selected: ReadonlySet<StepName>, settings?: Settings): boolean {
    return settings?.model.smokeTestFile !== undefined;
  }

  async plan(context: StepContext): Promise<SmokePlan> {
    const { model, deploy } = context.settings;
    const file = model.smokeTestFile;
    if (file === undefined) throw new Error('The smoke step is planned only when input `smoke-test` is set.');
    const machine = context.preflight.stateMachine;
    if (!machine) throw new Error('The smoke step needs the state machine from the preflight.');
    const inputLabel = labelOf(model.modelFolder, file);
    const loaded = loadSmokeTest(file);
    const error = loaded.findings.find((finding) => finding.severity === 'error');
    if (error || loaded.text === undefined) {
      const at = error?.line === undefined ? '' : `:${error.line}${error.column === undefined ? '' : `:${error.column}`}`;
      throw new DeployError(
        `${inputLabel}${at} (input \`smoke-test\`): ${error?.message ?? 'cannot be read.'}`,
        'Fix the smoke-test file; nothing was changed.',
      );
    }
    return { stateMachineArn: unqualified(machine.arn), inputLabel, input: loaded.text, timeoutMinutes: deploy.smokeTimeoutMinutes };
  }

  async apply(plan: SmokePlan, context: StepContext): Promise<SmokeOutcome> {
    const { aws, logger, signal } = context;
    const sfn = aws.client(SFNClient);
    const name = executionName(context.git.sha, new Date(), randomBytes(3).toString('hex'));
    logger.info(`Starting execution ${name} of ${plan.stateMachineArn} with ${plan.inputLabel} (${Buffer.byteLength(plan.input, 'utf8')} bytes); waiting at most ${plan.timeoutMinutes} minutes.`);
    const started = Date.now();
    const { executionArn } = await startExecution(sfn, plan.stateMachineArn, name, plan.input);
    logger.info(`Execution ${executionArn} started.`);

    let lastLog = Date.now();
    let lastStatus = 'RUNNING';
    const waited = await waitForExecution(sfn, executionArn, {
      timeoutMs: plan.timeoutMinutes * 60_000,
      delays: this.#pollDelays,
      signal,
      onPoll: (status) => {
        if (status !== lastStatus || Date.now() - lastLog >= 60_000) {
          logger.info(`Execution ${status} after ${Math.round((Date.now() - started) / 1000)} s.`);
          lastLog = Date.now();
          lastStatus = status;
        }
      },
    });
    const seconds = () => (Date.now() - started) / 1000;
    const facts = (outcome: SmokeOutcome) => ({
      stateMachineArn: plan.stateMachineArn,
      inputLabel: plan.inputLabel,
      timeoutMinutes: plan.timeoutMinutes,
      execution: { arn: outcome.executionArn, status: outcome.status, seconds: outcome.seconds, rows: outcome.rows, complete: outcome.complete, note: outcome.note },
    });

    if (waited.kind === 'cancelled') {
      const outcome: SmokeOutcome = { executionArn, status: 'RUNNING (not waited for)', seconds: seconds(), rows: [], complete: false, note: 'the run was cancelled' };
      throw new SmokeRunError(
        `The run was cancelled during the smoke run: execution ${executionArn} was left running in Step Functions, and the deploy before it stays as applied.`,
        `Stop the execution in the Step Functions console (or \`aws stepfunctions stop-execution --execution-arn ${executionArn}\`) if it should not finish.`,
        smokeReport('cancelled', facts(outcome)),
      );
    }

    let stopNote: string | undefined;
    let execution: DescribeExecutionCommandOutput | undefined = waited.execution;
    if (waited.kind === 'timeout') {
      const problem = await stopExecution(sfn, executionArn, `The deploy's smoke run waits at most ${plan.timeoutMinutes} minutes (input smoke-timeout-minutes).`);
      stopNote = problem === undefined ? 'it was stopped' : `StopExecution failed (${clip(printable(problem), 300)}): it may still be running`;
      if (problem !== undefined) logger.warning(`Could not stop execution ${executionArn}: ${problem}`);
    }

    // The history: the states table, and which state failed. A history that cannot be read leaves the table out.
    let history: ExecutionHistory = { rows: [] };
    let complete: boolean;
    try {
      const read = await readExecutionHistory(sfn, executionArn);
      complete = read.complete;
      history = readHistory(read.events, { running: waited.kind === 'timeout' && stopNote !== 'it was stopped', until: execution?.stopDate ?? new Date() });
    } catch (error) {
      complete = false;
      logger.warning(`${(error as Error).message}; the summary has no table of the states.`);
    }

    const status = waited.kind === 'timeout' ? 'TIMED OUT (smoke-timeout-minutes)' : (execution?.status ?? 'unknown');
    const outcome: SmokeOutcome = { executionArn, status, seconds: seconds(), rows: history.rows, complete, note: stopNote };
    if (waited.kind === 'timeout') {
      const running = history.rows.filter((row) => row.outcome === 'running' || row.outcome === 'entered').map((row) => stateLabel(row.name));
      throw new SmokeRunError(
        `The smoke run ${executionArn} did not end within ${plan.timeoutMinutes} minutes (input \`smoke-timeout-minutes\`)${running.length > 0 ? `, in state ${running.slice(0, 5).join(', ')}` : ''}; ${stopNote}.`,
        'Give the smoke run a smaller scenario, or more time with input `smoke-timeout-minutes`.',
        smokeReport('timed out', facts(outcome)),
      );
    }
    execution = waited.execution;
    if (FAILED_STATUSES.has(execution.status ?? '')) {
      const failedRow = [...history.rows].reverse().find((row) => row.outcome === 'failed');
      const state = history.failure?.state ?? failedRow?.name;
      const what = describeFailure(execution.error ?? history.failure?.error ?? failedRow?.error, execution.cause ?? history.failure?.cause ?? failedRow?.cause);
      throw new SmokeRunError(
        `The smoke run ${executionArn} ended ${execution.status}${state === undefined ? '' : ` in state ${stateLabel(state)}`}${what ? `: ${what}` : ''}.`,
        'Look at the execution in the Step Functions console; fix the model (or the smoke-test file), then deploy again.',
        smokeReport('failed', facts(outcome)),
      );
    }
    if (execution.status !== 'SUCCEEDED') {
      throw new SmokeRunError(
        `The smoke run ${executionArn} ended with status ${clip(printable(execution.status ?? 'unknown'), 40)}, not SUCCEEDED.`,
        'Look at the execution in the Step Functions console.',
        smokeReport('failed', facts(outcome)),
      );
    }
    logger.info(`The smoke run succeeded in ${outcome.seconds.toFixed(1)} s (${history.rows.length} state(s)).`);
    return outcome;
  }

  report(plan: SmokePlan, outcome?: SmokeOutcome): StepReport {
    const base = { stateMachineArn: plan.stateMachineArn, inputLabel: plan.inputLabel, timeoutMinutes: plan.timeoutMinutes };
    if (!outcome) return smokeReport('would run', base);
    return smokeReport('passed', { ...base, execution: { arn: outcome.executionArn, status: outcome.status, seconds: outcome.seconds, rows: outcome.rows, complete: outcome.complete, note: outcome.note } });
  }
}

/** The state machine's ARN without a version or alias: `arn:<partition>:states:<region>:<account>:stateMachine:<name>`. */
function unqualified(arn: string): string {
  const parts = arn.split(':');
  return parts.length > 7 && parts[5] === 'stateMachine' ? parts.slice(0, 7).join(':') : arn;
}

/** The smoke-test file as messages name it: relative to the model folder, printable. */
function labelOf(modelFolder: string, file: string): string {
  const relative = path.relative(modelFolder, file);
  const shown = relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  return clip(printable(shown.split(path.sep).join('/')), 200);
}
