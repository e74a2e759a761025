import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { DeployError } from '../../../src/ground/errors.ts';
import { SmokeRunError, SmokeStep, type SmokePlan } from '../../../src/smoke/step.ts';
import { executionName } from '../../../src/smoke/execution.ts';
import { ACCOUNT, COMMIT, REGION, stepContext, testPreflight, testSettings } from '../../helpers/step-context.ts';

const sfnMock = mockClient(SFNClient);
afterEach(() => sfnMock.reset());

const MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:quetzal-paris`;
const EXECUTION = `arn:aws:states:${REGION}:${ACCOUNT}:execution:quetzal-paris:smoke-1`;
const FAST = { pollDelays: { firstMs: 2, maxMs: 5 } };

/** A workspace with the smoke-test file `smoke.json` holding `content`, and the step context of a deploy using it. */
function contextWith(content: string | undefined, inputs: Record<string, string> = {}, overrides: Parameters<typeof stepContext>[0] = {}) {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-step-'));
  if (content !== undefined) fs.writeFileSync(path.join(workspace, 'smoke.json'), content);
  return stepContext({ settings: testSettings({ 'smoke-test': 'smoke.json', ...inputs }, workspace), ...overrides });
}

const at = (seconds: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + seconds * 1000);
const SUCCEEDED_HISTORY: HistoryEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
  { id: 2, type: 'TaskStateEntered', timestamp: at(0), previousEventId: 1, stateEnteredEventDetails: { name: 'Network' } },
  { id: 3, type: 'TaskStateExited', timestamp: at(3), previousEventId: 2, stateExitedEventDetails: { name: 'Network' } },
  { id: 4, type: 'ExecutionSucceeded', timestamp: at(3), previousEventId: 3 },
];

describe('SmokeStep plan', () => {
  test('is planned exactly when input smoke-test is set', () => {
    const step = new SmokeStep();
    assert.equal(step.isPlanned(new Set(), contextWith('{}').settings), true);
    assert.equal(step.isPlanned(new Set(['smoke']), testSettings()), false);
    assert.equal(step.isPlanned(new Set(['smoke'])), false);
  });

  test('plans the unqualified state machine, the file as written, and the timeout', async () => {
    const text = '{ "scenario_path_S3": "base/" }\n';
    const context = contextWith(text, { 'smoke-timeout-minutes': '3' }, { preflight: testPreflight({ stateMachine: { ...testPreflight().stateMachine!, arn: `${MACHINE}:prod` } }) });
    const plan = await new SmokeStep().plan(context);
    assert.deepEqual(plan, { stateMachineArn: MACHINE, inputLabel: 'smoke.json', input: text, timeoutMinutes: 3 });
    assert.deepEqual(new SmokeStep().report(plan), {
      step: 'smoke',
      status: 'would run',
      details: [['State machine', MACHINE], ['Input', 'smoke.json'], ['Timeout', '3 minutes']],
      outputs: {},
    });
  });

  for (const [what, content, expected] of [
    ['missing', undefined, /^smoke\.json \(input `smoke-test`\): No smoke-test file smoke\.json/],
    ['too large', `{"a": "${'x'.repeat(256 * 1024)}"}`, /is 262153 bytes: Step Functions takes an execution input of at most 262144 bytes/],
    ['not JSON', '{\n  "a": 1,\n}', /^smoke\.json:3:1 \(input `smoke-test`\): smoke\.json is not valid JSON at "}": PropertyNameExpected/],
    ['not an object', '[1, 2]', /^smoke\.json:1:1 .*holds an array: the execution input of the smoke run must be a JSON object/],
  ] as const) {
    test(`refuses a smoke-test file that is ${what}, naming it`, async () => {
      await assert.rejects(new SmokeStep().plan(contextWith(content)), (error: unknown) => {
        assert.ok(error instanceof DeployError);
        assert.match(error.message, expected);
        return true;
      });
    });
  }
});

function plan(overrides: Partial<SmokePlan> = {}): SmokePlan {
  return { stateMachineArn: MACHINE, inputLabel: 'smoke.json', input: '{"scenario_path_S3":"base/"}', timeoutMinutes: 1, ...overrides };
}

describe('SmokeStep apply', () => {
  test('starts a named execution of the state machine, waits for it, and reports its states', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
    sfnMock.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'SUCCEEDED', stopDate: at(3) });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: SUCCEEDED_HISTORY });
    const context = contextWith('{}');
    const step = new SmokeStep(FAST);
    const outcome = await step.apply(plan(), context);

    const start = sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input;
    assert.equal(start.stateMachineArn, MACHINE);
    assert.equal(start.input, '{"scenario_path_S3":"base/"}');
    assert.match(start.name!, new RegExp(`^smoke-${COMMIT.slice(0, 12)}-\\d{8}T\\d{6}Z-[0-9a-f]{6}$`));
    assert.equal(sfnMock.commandCalls(DescribeExecutionCommand).length, 2);
    assert.equal(sfnMock.commandCalls(GetExecutionHistoryCommand)[0].args[0].input.reverseOrder, false);
    assert.equal(outcome.status, 'SUCCEEDED');
    assert.deepEqual(outcome.rows, [{ name: 'Network', type: 'Task', outcome: 'succeeded', entries: 1, seconds: 3 }]);

    const report = step.report(plan(), outcome);
    assert.equal(report.status, 'passed');
    assert.deepEqual(report.details.slice(2, 4), [['Execution', EXECUTION], ['Status', 'SUCCEEDED']]);
    assert.match(report.markdown!, /^\| State \| Type \| Outcome \| Entered \| Seconds \| Error \|$/m);
    assert.match(report.markdown!, /^\| `Network` \| Task \| succeeded \| 1 \| 3\.0 \| {2}\|$/m);
  });

  test('a failed execution: a DeployError naming the execution, the state, its error and cause (printable, short), carrying the report', async () => {
    const cause = `bad\n::error::forged ${'x'.repeat(2000)}`;
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'States.Runtime', cause });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
        { id: 2, type: 'TaskStateEntered', timestamp: at(0), previousEventId: 1, stateEnteredEventDetails: { name: 'Assignment' } },
        { id: 3, type: 'TaskFailed', timestamp: at(1), previousEventId: 2, taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'States.Runtime', cause } },
        { id: 4, type: 'ExecutionFailed', timestamp: at(1), previousEventId: 3, executionFailedEventDetails: { error: 'States.Runtime', cause } },
      ],
    });
    await assert.rejects(new SmokeStep(FAST).apply(plan(), contextWith('{}')), (error: unknown) => {
      assert.ok(error instanceof SmokeRunError);
      assert.ok(error instanceof DeployError);
      assert.match(error.message, new RegExp(`^The smoke run ${EXECUTION} ended FAILED in state "Assignment": States\\.Runtime: bad\\\\n::error::forged x+…\\.$`));
      assert.ok(error.message.length < 800, 'the cause is clipped');
      assert.ok(!error.message.includes('\n'), 'one line');
      assert.equal(error.report.status, 'failed');
      assert.match(error.report.markdown!, /\| `Assignment` \| Task \| \*\*failed\*\* \| 1 \| 1\.0 \| States\.Runtime: bad\\\\n::error::forged/, 'rendered as the characters \\n');
      return true;
    });
  });

  test('past the timeout: stops the execution, then fails naming the state it was in', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfnMock.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: SUCCEEDED_HISTORY.slice(0, 2) });
    await assert.rejects(new SmokeStep(FAST).apply(plan({ timeoutMinutes: 0.001 }), contextWith('{}')), (error: unknown) => {
      assert.ok(error instanceof SmokeRunError);
      assert.match(error.message, /did not end within 0\.001 minutes \(input `smoke-timeout-minutes`\), in state "Network"; it was stopped\.$/);
      assert.equal(error.report.status, 'timed out');
      return true;
    });
    assert.equal(sfnMock.commandCalls(StopExecutionCommand)[0].args[0].input.executionArn, EXECUTION);
  });

  test('a timeout whose StopExecution fails says the execution may still run', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfnMock.on(StopExecutionCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const context = contextWith('{}');
    await assert.rejects(new SmokeStep(FAST).apply(plan({ timeoutMinutes: 0.001 }), context), /StopExecution failed \(AccessDeniedException: denied\): it may still be running\.$/);
    assert.match(context.logger.warnings.join('\n'), /Could not stop execution/);
  });

  test('a cancelled run stops polling at once, leaves the execution alone and says so', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const controller = new AbortController();
    const context = contextWith('{}', {}, { signal: controller.signal });
    const applying = new SmokeStep({ pollDelays: { firstMs: 60_000, maxMs: 60_000 } }).apply(plan(), context);
    setTimeout(() => controller.abort(new Error('SIGINT')), 20);
    const started = Date.now();
    await assert.rejects(applying, (error: unknown) => {
      assert.ok(error instanceof SmokeRunError);
      assert.match(error.message, new RegExp(`cancelled during the smoke run: execution ${EXECUTION} was left running`));
      assert.match(error.hint!, /stop-execution/);
      return true;
    });
    assert.ok(Date.now() - started < 5000, 'did not wait for the poll delay');
    assert.equal(sfnMock.commandCalls(StopExecutionCommand).length, 0);
    assert.equal(sfnMock.commandCalls(DescribeExecutionCommand).length, 0);
  });

  test('a succeeded execution whose history cannot be read passes, with a warning and no table', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
    sfnMock.on(GetExecutionHistoryCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const context = contextWith('{}');
    const step = new SmokeStep(FAST);
    const outcome = await step.apply(plan(), context);
    assert.equal(step.report(plan(), outcome).markdown, undefined);
    assert.match(context.logger.warnings.join('\n'), /GetExecutionHistory of .* failed: AccessDeniedException: denied; the summary has no table/);
  });

  test('reads a long history page by page up to 2000 events, then its last 500', async () => {
    const page = (from: number, count: number): HistoryEvent[] =>
      Array.from({ length: count }, (_, index) => ({ id: from + index, type: 'PassStateEntered', timestamp: at(0), stateEnteredEventDetails: { name: `S${from + index}` } }));
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
    sfnMock
      .on(GetExecutionHistoryCommand, { reverseOrder: false })
      .resolvesOnce({ events: page(1, 1000), nextToken: 'a' })
      .resolvesOnce({ events: page(1001, 1000), nextToken: 'b' });
    sfnMock.on(GetExecutionHistoryCommand, { reverseOrder: true }).resolves({ events: page(4501, 500).reverse() });
    const outcome = await new SmokeStep(FAST).apply(plan(), contextWith('{}'));
    const calls = sfnMock.commandCalls(GetExecutionHistoryCommand).map((call) => call.args[0].input);
    assert.deepEqual(calls.map(({ reverseOrder, nextToken, maxResults }) => ({ reverseOrder, nextToken, maxResults })), [
      { reverseOrder: false, nextToken: undefined, maxResults: 1000 },
      { reverseOrder: false, nextToken: 'a', maxResults: 1000 },
      { reverseOrder: true, nextToken: undefined, maxResults: 500 },
    ]);
    assert.equal(outcome.complete, false);
    assert.equal(outcome.rows.length, 2500);
  });

  test('StartExecution refused: a DeployError naming the state machine', async () => {
    sfnMock.on(StartExecutionCommand).rejects(Object.assign(new Error('no such machine'), { name: 'StateMachineDoesNotExist' }));
    await assert.rejects(new SmokeStep(FAST).apply(plan(), contextWith('{}')), new RegExp(`^DeployError: StartExecution of ${MACHINE} failed: StateMachineDoesNotExist: no such machine$`));
  });
});

test('executionName: at most 80 characters of letters, digits, - and _', () => {
  const now = new Date('2026-03-04T05:06:07.890Z');
  assert.equal(executionName('abc/def:123', now, 'ff00aa'), 'smoke-abcdef123-20260304T050607Z-ff00aa');
  assert.equal(executionName(undefined, now, 'x'), 'smoke-nosha-20260304T050607Z-x');
  const long = executionName('a'.repeat(100), now, 'b'.repeat(100));
  assert.ok(long.length <= 80);
  assert.match(long, /^[A-Za-z0-9_-]+$/);
});
