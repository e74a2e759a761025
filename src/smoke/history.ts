/**
 * An execution's history (GetExecutionHistory, oldest first) as one row per state: how it ended, with the error and
 * cause of a failure, and the time spent in it. Pure: the events are all it reads. The history is foreign text (the
 * definition names the states; a task's error and cause are whatever the code it ran said): the rows keep it as
 * it came, and whoever prints a row makes it printable and short (report.ts, the step's error).
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';

/**
 * - succeeded: every entry into the state left it normally;
 * - failed: the state failed and was not left (the execution failed there, or it was cut short after the failure);
 * - caught: the state failed and was left anyway (a Catch took the error to another state);
 * - running: still in the state when the history was read, the execution running;
 * - entered: entered and never left, with no error (the execution was stopped, or the history was cut).
 */
export type StateOutcome = 'succeeded' | 'failed' | 'caught' | 'running' | 'entered';

export interface StateRow {
  /** The state's name, as the definition writes it. */
  name: string;
  /** Its type, from the event type: Task, Pass, Choice, Wait, Map, Parallel, Succeed, Fail. */
  type: string;
  outcome: StateOutcome;
  /** Times the state was entered (a loop, each item of a Map); a retry within one entry does not count. */
  entries: number;
  /** Seconds spent in the state, summed over its entries (Map iterations running side by side add up). */
  seconds?: number;
  /** The failure's error and cause (failed or caught), as the history gives them. */
  error?: string;
  cause?: string;
}

export interface ExecutionHistory {
  rows: StateRow[];
  /** The execution's own failure event (ExecutionFailed, ExecutionTimedOut, ExecutionAborted), when there is one. */
  failure?: { type: string; state?: string; error?: string; cause?: string };
}

export interface HistoryOptions {
  /** The execution is still running: a state entered and not left is `running`, not `entered`. */
  running?: boolean;
  /** When the history was read (or the execution stopped): the end of a state never left. */
  until?: Date;
}

interface Entry {
  id: number;
  row: StateRow;
  start?: Date;
  error?: string;
  cause?: string;
}

/** How far back a failure or an exit looks through previousEventId for the state it belongs to. */
const MAX_CHAIN_STEPS = 64;

export function readHistory(events: readonly HistoryEvent[], options: HistoryOptions = {}): ExecutionHistory {
  const sorted = [...events].filter((event) => typeof event.id === 'number').sort((a, b) => a.id! - b.id!);
  const byId = new Map(sorted.map((event) => [event.id!, event]));
  const rows = new Map<string, StateRow>();
  /** Entries not left yet, by the id of their StateEntered event (in entry order). */
  const open = new Map<number, Entry>();
  const seconds = new Map<StateRow, number>();
  const outcomes = new Map<StateRow, Set<StateOutcome>>();
  let failure: ExecutionHistory['failure'];
  let end: Date | undefined;

  const rowOf = (name: string, type: string): StateRow => {
    let row = rows.get(name);
    if (!row) rows.set(name, (row = { name, type, outcome: 'succeeded', entries: 0 }));
    return row;
  };
  const note = (row: StateRow, outcome: StateOutcome) => {
    const set = outcomes.get(row) ?? new Set();
    outcomes.set(row, set.add(outcome));
  };
  const addTime = (row: StateRow, from: Date | undefined, to: Date | undefined) => {
    if (!from || !to) return;
    seconds.set(row, (seconds.get(row) ?? 0) + Math.max(0, (to.getTime() - from.getTime()) / 1000));
  };
  /** The open entry an event belongs to: the nearest on its previousEventId chain that `accepts`, else the latest open one that does. */
  const entryOf = (event: HistoryEvent, accepts: (entry: Entry) => boolean = () => true): Entry | undefined => {
    let id = event.previousEventId;
    for (let step = 0; id !== undefined && id > 0 && step < MAX_CHAIN_STEPS; step++) {
      const entry = open.get(id);
      if (entry && accepts(entry)) return entry;
      id = byId.get(id)?.previousEventId;
    }
    return [...open.values()].reverse().find(accepts);
  };

  for (const event of sorted) {
    const type = event.type ?? '';
    const details = detailsOf(event);
    if (type.endsWith('StateEntered')) {
      const name = stringField(details, 'name');
      if (name === undefined) continue;
      const row = rowOf(name, type.slice(0, -'StateEntered'.length));
      row.entries += 1;
      open.set(event.id!, { id: event.id!, row, start: event.timestamp });
    } else if (type.endsWith('StateExited')) {
      const name = stringField(details, 'name');
      if (name === undefined) continue;
      const entry = entryOf(event, (candidate) => candidate.row.name === name);
      if (!entry) {
        // Its entry is in a part of the history that was not read.
        note(rowOf(name, type.slice(0, -'StateExited'.length)), 'succeeded');
        continue;
      }
      open.delete(entry.id);
      addTime(entry.row, entry.start, event.timestamp);
      if (entry.error !== undefined || entry.cause !== undefined) {
        note(entry.row, 'caught');
        entry.row.error = entry.error;
        entry.row.cause = entry.cause;
      } else {
        note(entry.row, 'succeeded');
      }
    } else if (/^Execution(Failed|TimedOut|Aborted)$/.test(type)) {
      end = event.timestamp;
      const withError = [...open.values()].reverse().find((entry) => entry.error !== undefined || entry.cause !== undefined);
      const entry = withError ?? entryOf(event);
      const error = stringField(details, 'error');
      const cause = stringField(details, 'cause');
      if (entry && !withError) {
        entry.error = error;
        entry.cause = cause;
      }
      failure = { type, state: entry?.row.name, error, cause };
    } else if (type === 'ExecutionSucceeded') {
      end = event.timestamp;
    } else if (/(Failed|TimedOut)$/.test(type)) {
      // A task, Lambda, activity, Map or Parallel failure: it belongs to the state it happened in.
      const container = /^Map/.test(type) ? 'Map' : /^Parallel/.test(type) ? 'Parallel' : undefined;
      const entry = entryOf(event, (candidate) => container === undefined || candidate.row.type === container);
      const error = stringField(details, 'error') ?? (type.endsWith('TimedOut') ? 'States.Timeout' : undefined);
      const cause = stringField(details, 'cause');
      if (entry && (error !== undefined || cause !== undefined || entry.error === undefined)) {
        entry.error = error ?? type;
        entry.cause = cause;
      }
    } else if (/^(Task|LambdaFunction|Activity)Succeeded$/.test(type)) {
      // A retry that succeeded: the state's earlier failure is over.
      const entry = entryOf(event);
      if (entry) entry.error = entry.cause = undefined;
    }
  }

  const until = end ?? options.until;
  for (const entry of open.values()) {
    addTime(entry.row, entry.start, until);
    if (entry.error !== undefined || entry.cause !== undefined) {
      note(entry.row, 'failed');
      entry.row.error = entry.error;
      entry.row.cause = entry.cause;
    } else {
      note(entry.row, options.running && end === undefined ? 'running' : 'entered');
    }
  }
  for (const row of rows.values()) {
    const seen = outcomes.get(row) ?? new Set<StateOutcome>();
    row.outcome = (['failed', 'running', 'caught', 'entered', 'succeeded'] as const).find((outcome) => seen.has(outcome)) ?? 'entered';
    const spent = seconds.get(row);
    if (spent !== undefined) row.seconds = Math.round(spent * 10) / 10;
  }
  return { rows: [...rows.values()], failure };
}

/** The details member of an event: `<type>EventDetails` (TaskFailed → taskFailedEventDetails), one for every *StateEntered and *StateExited. */
export function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

function detailsOf(event: HistoryEvent): Record<string, unknown> | undefined {
  const type = event.type;
  if (!type) return undefined;
  const value = (event as unknown as Record<string, unknown>)[detailsKey(type)];
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function stringField(details: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = details?.[key];
  return typeof value === 'string' ? value : undefined;
}
