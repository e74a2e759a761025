import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { detailsKey, readHistory } from '../../../src/smoke/history.ts';
import { statesTable } from '../../../src/smoke/report.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A history written as [type, details, seconds after T0, previousEventId?]; ids follow the order given. */
function history(...events: Array<[type: string, details?: Record<string, unknown>, at?: number, previous?: number]>): HistoryEvent[] {
  return events.map(([type, details, at = 0, previous], index) => {
    const event: Record<string, unknown> = { id: index + 1, type, timestamp: new Date(T0 + at * 1000), previousEventId: previous ?? index };
    if (details) event[detailsKey(type)] = details;
    return event as unknown as HistoryEvent;
  });
}

const entered = (type: string, name: string, at: number, previous?: number) => [`${type}StateEntered`, { name }, at, previous] as [string, Record<string, unknown>, number, number?];
const exited = (type: string, name: string, at: number, previous?: number) => [`${type}StateExited`, { name }, at, previous] as [string, Record<string, unknown>, number, number?];

describe('readHistory', () => {
  test('a run that succeeded: one row per state, in order, with the seconds spent in each', () => {
    const { rows, failure } = readHistory(
      history(
        ['ExecutionStarted', { input: '{}' }, 0],
        entered('Task', 'Network', 0),
        ['TaskScheduled', {}, 0.1],
        ['TaskStarted', {}, 0.2],
        ['TaskSucceeded', { output: '{}' }, 2],
        exited('Task', 'Network', 2.5),
        entered('Pass', 'Done', 2.5),
        exited('Pass', 'Done', 2.5),
        ['ExecutionSucceeded', {}, 2.6],
      ),
    );
    assert.equal(failure, undefined);
    assert.deepEqual(rows, [
      { name: 'Network', type: 'Task', outcome: 'succeeded', entries: 1, seconds: 2.5 },
      { name: 'Done', type: 'Pass', outcome: 'succeeded', entries: 1, seconds: 0 },
    ]);
  });

  test('a task that failed the execution: the row is failed, with the error and cause, and the failure names it', () => {
    const { rows, failure } = readHistory(
      history(
        ['ExecutionStarted', {}, 0],
        entered('Task', 'Network', 0),
        exited('Task', 'Network', 1),
        entered('Task', 'Assignment', 1),
        ['TaskScheduled', {}, 1],
        ['TaskFailed', { error: 'States.Runtime', cause: "The JSONPath '$.x' could not be found" }, 4],
        ['ExecutionFailed', { error: 'States.Runtime', cause: "An error occurred while executing the state 'Assignment'" }, 4],
      ),
    );
    assert.deepEqual(rows[1], {
      name: 'Assignment',
      type: 'Task',
      outcome: 'failed',
      entries: 1,
      seconds: 3,
      error: 'States.Runtime',
      cause: "The JSONPath '$.x' could not be found",
    });
    assert.equal(rows[0].outcome, 'succeeded');
    assert.deepEqual(failure, { type: 'ExecutionFailed', state: 'Assignment', error: 'States.Runtime', cause: "An error occurred while executing the state 'Assignment'" });
  });

  test('a failure a retry got over is not one: the state succeeded', () => {
    const { rows } = readHistory(
      history(
        entered('Task', 'Network', 0),
        ['LambdaFunctionScheduled', {}, 0],
        ['LambdaFunctionFailed', { error: 'Lambda.TooManyRequestsException', cause: 'rate' }, 1],
        ['LambdaFunctionScheduled', {}, 3],
        ['LambdaFunctionSucceeded', {}, 4],
        exited('Task', 'Network', 4),
        ['ExecutionSucceeded', {}, 4],
      ),
    );
    assert.deepEqual(rows, [{ name: 'Network', type: 'Task', outcome: 'succeeded', entries: 1, seconds: 4 }]);
  });

  test('a caught failure, then a Fail state: caught, then failed with the execution error', () => {
    const { rows, failure } = readHistory(
      history(
        entered('Task', 'Network', 0),
        ['TaskFailed', { error: 'ModelError', cause: 'division by zero' }, 1],
        exited('Task', 'Network', 1),
        entered('Fail', 'Failed', 1),
        ['ExecutionFailed', { error: 'QuetzalFailed', cause: 'see the logs' }, 1],
      ),
    );
    assert.deepEqual(
      rows.map(({ name, outcome, error, cause }) => ({ name, outcome, error, cause })),
      [
        { name: 'Network', outcome: 'caught', error: 'ModelError', cause: 'division by zero' },
        { name: 'Failed', outcome: 'failed', error: 'QuetzalFailed', cause: 'see the logs' },
      ],
    );
    assert.equal(failure?.state, 'Failed');
  });

  test('a state not left yet is still running while the execution runs, and entered only once it was stopped', () => {
    const events = history(entered('Task', 'Network', 0), exited('Task', 'Network', 1), entered('Task', 'Assignment', 1), ['TaskScheduled', {}, 1]);
    const running = readHistory(events, { running: true, until: new Date(T0 + 11_000) });
    assert.deepEqual(running.rows[1], { name: 'Assignment', type: 'Task', outcome: 'running', entries: 1, seconds: 10 });
    const stopped = readHistory([...events, ...history(['ExecutionAborted', {}, 5]).map((event) => ({ ...event, id: 10, previousEventId: 4 }))], { running: true });
    assert.equal(stopped.rows[1].outcome, 'entered');
    assert.equal(stopped.rows[1].seconds, 4);
    assert.equal(stopped.failure?.type, 'ExecutionAborted');
    assert.equal(stopped.failure?.state, 'Assignment');
  });

  test('a Map: its inner state counts every iteration; a failed iteration fails the inner state and the Map', () => {
    const { rows, failure } = readHistory(
      history(
        entered('Map', 'Scenarios', 0), // 1
        ['MapStateStarted', { length: 2 }, 0, 1], // 2
        ['MapIterationStarted', { name: 'Scenarios', index: 0 }, 0, 2], // 3
        ['MapIterationStarted', { name: 'Scenarios', index: 1 }, 0, 2], // 4
        entered('Task', 'Run', 0, 3), // 5
        entered('Task', 'Run', 0, 4), // 6
        exited('Task', 'Run', 2, 5), // 7
        ['TaskFailed', { error: 'Boom', cause: 'item 1' }, 3, 6], // 8
        ['MapIterationFailed', { name: 'Scenarios', index: 1 }, 3, 8], // 9
        ['MapStateFailed', {}, 3, 9], // 10
        ['ExecutionFailed', { error: 'States.ExceedToleratedFailureThreshold', cause: 'the Map failed' }, 3, 10], // 11
      ),
    );
    const run = rows.find((row) => row.name === 'Run')!;
    assert.equal(run.entries, 2);
    assert.equal(run.outcome, 'failed');
    assert.equal(run.error, 'Boom');
    assert.equal(run.seconds, 5, 'the two iterations add up: 2 s and 3 s');
    const map = rows.find((row) => row.name === 'Scenarios')!;
    assert.equal(map.outcome, 'failed');
    assert.equal(map.error, 'MapIterationFailed', 'the event says what failed when it gives no error');
    assert.equal(failure?.state, 'Run', 'the execution failed in the innermost state that failed');
  });

  test('an exit whose entry was not read (a cut history) still counts the state, without seconds', () => {
    const { rows } = readHistory(history(exited('Task', 'Network', 1), entered('Pass', 'Done', 1), exited('Pass', 'Done', 1)).map((event) => ({ ...event, previousEventId: undefined })));
    assert.deepEqual(rows[0], { name: 'Network', type: 'Task', outcome: 'succeeded', entries: 0 });
    assert.equal(rows[1].outcome, 'succeeded');
  });

  test('reads the events in id order, whatever order they came in, and skips events without a state name', () => {
    const events = history(['ExecutionStarted', {}, 0], entered('Task', 'A', 0), exited('Task', 'A', 1), ['TaskStateEntered', { name: 42 }, 1], ['ExecutionSucceeded', {}, 1]);
    const { rows } = readHistory([...events].reverse());
    assert.deepEqual(rows, [{ name: 'A', type: 'Task', outcome: 'succeeded', entries: 1, seconds: 1 }]);
  });

  test('keeps foreign names and causes as they came: the table makes them printable', () => {
    const name = 'Evil | `name`\n::error::x';
    const { rows } = readHistory(history(entered('Task', name, 0), ['TaskFailed', { error: '<b>E</b>', cause: 'line 1\nline 2 | [link](http://x)' }, 1], ['ExecutionFailed', {}, 1]));
    assert.equal(rows[0].name, name);
    const table = statesTable(rows, true);
    const lines = table.split('\n');
    assert.equal(lines.length, 3, 'a header, a separator and one row: no line break got through');
    assert.ok(!lines.some((line) => line.startsWith('::')), 'no workflow command');
    const row = lines[2];
    assert.equal(row.split(/(?<!\\)\|/).length - 2, 6, 'six cells: the pipes inside are escaped');
    assert.match(row, /\\<b\\>E\\<\/b\\>/);
    assert.match(row, /\\\[link\\\]/);
    assert.match(row, /\*\*failed\*\*/);
  });
});

test('detailsKey: the SDK member of each event type', () => {
  assert.equal(detailsKey('TaskStateEntered'), 'stateEnteredEventDetails');
  assert.equal(detailsKey('MapStateExited'), 'stateExitedEventDetails');
  assert.equal(detailsKey('LambdaFunctionFailed'), 'lambdaFunctionFailedEventDetails');
  assert.equal(detailsKey('ExecutionFailed'), 'executionFailedEventDetails');
});

describe('statesTable', () => {
  test('lists at most 100 states and says how many more, and says when the history was cut', () => {
    const rows = Array.from({ length: 130 }, (_, index) => ({ name: `S${index}`, type: 'Pass', outcome: 'succeeded' as const, entries: 1, seconds: 0 }));
    const table = statesTable(rows, false);
    assert.equal(table.split('\n').filter((line) => line.startsWith('| `S')).length, 100);
    assert.match(table, /and 30 more states/);
    assert.match(table, /more than 2500 events: the rows count its first 2000 and its last 500/);
  });
});
