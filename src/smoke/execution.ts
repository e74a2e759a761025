/**
 * The smoke run's calls to Step Functions: start one execution, wait for it (polling DescribeExecution with a
 * growing delay, stopping when the run is cancelled or the time is up), read its history, stop it.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { describeError } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';

/** Events read from the start of a history at most; past it, the last TAIL_EVENTS are read too. */
export const MAX_HISTORY_EVENTS = 2000;
export const TAIL_EVENTS = 500;
/** GetExecutionHistory's largest page. */
const PAGE_SIZE = 1000;

/** Execution names: at most 80 characters; letters, digits, '-' and '_' are the ones CloudWatch Logs also takes. */
export const MAX_EXECUTION_NAME = 80;

/** `smoke-<short sha>-<UTC time>-<random>`: unique, and telling which deploy started it. */
export function executionName(sha: string | undefined, now: Date, random: string): string {
  const short = (sha ?? '').replace(/[^A-Za-z0-9]/g, '').slice(0, 12) || 'nosha';
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  const name = `smoke-${short}-${time}-${random.replace(/[^A-Za-z0-9]/g, '')}`;
  return name.slice(0, MAX_EXECUTION_NAME);
}

export async function startExecution(sfn: SFNClient, stateMachineArn: string, name: string, input: string): Promise<{ executionArn: string; startDate?: Date }> {
  let output;
  try {
    output = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
  } catch (error) {
    throw new DeployError(`StartExecution of ${stateMachineArn} failed: ${describeError(error)}`, 'The smoke run could not start: with `rollback: true` the deploy was undone; check the role can states:StartExecution, then re-run.', { cause: error });
  }
  if (!output.executionArn) throw new DeployError(`StartExecution of ${stateMachineArn} gave no execution ARN.`);
  return { executionArn: output.executionArn, startDate: output.startDate };
}

export type WaitResult =
  | { kind: 'ended'; execution: DescribeExecutionCommandOutput }
  | { kind: 'timeout'; execution?: DescribeExecutionCommandOutput }
  | { kind: 'cancelled'; execution?: DescribeExecutionCommandOutput };

export interface PollDelays {
  /** Milliseconds before the first DescribeExecution, and the start of the back-off. */
  firstMs: number;
  maxMs: number;
}
export const DEFAULT_POLL_DELAYS: PollDelays = { firstMs: 1000, maxMs: 10_000 };

/** Polls until the execution is not RUNNING, the deadline passes, or the signal aborts. */
export async function waitForExecution(
  sfn: SFNClient,
  executionArn: string,
  { timeoutMs, delays = DEFAULT_POLL_DELAYS, signal, onPoll }: { timeoutMs: number; delays?: PollDelays; signal?: AbortSignal; onPoll?: (status: string) => void },
): Promise<WaitResult> {
  const deadline = Date.now() + timeoutMs;
  let delay = delays.firstMs;
  let last: DescribeExecutionCommandOutput | undefined;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'timeout', execution: last };
    if (!(await sleep(Math.min(delay, left), signal))) return { kind: 'cancelled', execution: last };
    delay = Math.min(delay * 2, delays.maxMs);
    try {
      last = await sfn.send(new DescribeExecutionCommand({ executionArn }), { abortSignal: signal });
    } catch (error) {
      if (signal?.aborted) return { kind: 'cancelled', execution: last };
      throw new DeployError(`DescribeExecution of ${executionArn} failed: ${describeError(error)}`, undefined, { cause: error });
    }
    onPoll?.(last.status ?? 'unknown');
    if (last.status !== 'RUNNING' && last.status !== 'PENDING_REDRIVE') return { kind: 'ended', execution: last };
  }
}

/**
 * The history, oldest first: up to MAX_HISTORY_EVENTS from the start and, when there are more, the newest
 * TAIL_EVENTS (where a failure is). `complete` is false when some events in between were not read.
 */
export async function readExecutionHistory(sfn: SFNClient, executionArn: string): Promise<{ events: HistoryEvent[]; complete: boolean }> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: false, maxResults: Math.min(PAGE_SIZE, MAX_HISTORY_EVENTS - events.length), nextToken }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken && events.length < MAX_HISTORY_EVENTS);
    if (!nextToken) return { events, complete: true };
    const tail = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: TAIL_EVENTS }));
    const seen = new Set(events.map((event) => event.id));
    for (const event of tail.events ?? []) if (!seen.has(event.id)) events.push(event);
    return { events, complete: false };
  } catch (error) {
    throw new DeployError(`GetExecutionHistory of ${executionArn} failed: ${describeError(error)}`, undefined, { cause: error });
  }
}

/** StopExecution, best effort: what went wrong, or undefined when it stopped. */
export async function stopExecution(sfn: SFNClient, executionArn: string, cause: string): Promise<string | undefined> {
  try {
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'SmokeRunTimeout', cause }));
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

/** Waits `ms`; false when the signal aborted first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
