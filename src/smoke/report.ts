/** The smoke run's part of the summary: its details, and a table of the states it went through. */
import { clip, printable } from '../ground/printable.ts';
import { mdCode, mdRow, mdText } from '../ground/markdown.ts';
import type { StepReport } from '../ground/step.ts';
import { MAX_HISTORY_EVENTS, TAIL_EVENTS } from './execution.ts';
import type { StateOutcome, StateRow } from './history.ts';

/** Rows the summary lists at most; the others are counted. */
export const MAX_ROWS = 100;

const OUTCOME: Record<StateOutcome, string> = {
  succeeded: 'succeeded',
  failed: '**failed**',
  caught: 'failed, caught',
  running: 'still running',
  entered: 'entered only',
};

/** A state's error and cause as one short printable line (they are whatever the task's code said). */
export function describeFailure(error: string | undefined, cause: string | undefined, limits = { error: 200, cause: 500 }): string {
  const parts = [error && clip(printable(error), limits.error), cause && clip(printable(cause), limits.cause)].filter(Boolean);
  return parts.join(': ');
}

/** A state's name for a message: printable, quoted, at most 80 characters (as Step Functions allows). */
export function stateLabel(name: string): string {
  return `"${clip(printable(name), 80)}"`;
}

export function statesTable(rows: readonly StateRow[], complete: boolean): string {
  const lines = [mdRow(['State', 'Type', 'Outcome', 'Entered', 'Seconds', 'Error']), mdRow(['---', '---', '---', '---:', '---:', '---'])];
  for (const row of rows.slice(0, MAX_ROWS)) {
    const failure = describeFailure(row.error, row.cause, { error: 120, cause: 300 });
    lines.push(
      mdRow([
        mdCode(clip(row.name, 80)),
        mdText(clip(row.type, 20)),
        OUTCOME[row.outcome],
        String(row.entries),
        row.seconds === undefined ? '' : row.seconds.toFixed(1),
        failure ? mdText(failure) : '',
      ]),
    );
  }
  if (rows.length > MAX_ROWS) lines.push('', `… and ${rows.length - MAX_ROWS} more states.`);
  if (!complete) {
    lines.push('', `The execution's history has more than ${MAX_HISTORY_EVENTS + TAIL_EVENTS} events: the rows count its first ${MAX_HISTORY_EVENTS} and its last ${TAIL_EVENTS}.`);
  }
  return lines.join('\n');
}

export interface SmokeReportFacts {
  stateMachineArn: string;
  inputLabel: string;
  timeoutMinutes: number;
  execution?: { arn: string; status: string; seconds: number; rows?: readonly StateRow[]; complete: boolean; note?: string };
}

export function smokeReport(status: string, facts: SmokeReportFacts): StepReport {
  const details: StepReport['details'] = [
    ['State machine', facts.stateMachineArn],
    ['Input', facts.inputLabel],
  ];
  const execution = facts.execution;
  if (!execution) {
    details.push(['Timeout', `${facts.timeoutMinutes} minutes`]);
    return { step: 'smoke', status, details, outputs: {} };
  }
  details.push(['Execution', execution.arn], ['Status', execution.status], ['Seconds', execution.seconds.toFixed(1)]);
  if (execution.note) details.push(['Note', execution.note]);
  const markdown = execution.rows && execution.rows.length > 0 ? statesTable(execution.rows, execution.complete) : undefined;
  return { step: 'smoke', status, details, outputs: {}, markdown };
}
