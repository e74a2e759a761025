/**
 * Pruning old Lambda versions: the pure choice (versionsToPrune), and reading the references and deleting against
 * stubbed clients — for what moto cannot show (a running execution that started on an older definition, Lambda
 * refusing to delete an aliased version, endpoints without an operation). The moto test is
 * __tests__/integration/lambda/prune.test.ts.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteFunctionCommand, LambdaClient, ListAliasesCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import {
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ListExecutionsCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { DeployError } from '../../../src/ground/errors.ts';
import type { Logger } from '../../../src/ground/logger.ts';
import { deleteVersions, MAX_EXECUTIONS_DESCRIBED, readPruneFacts, versionsToPrune, type PruneFacts } from '../../../src/lambda/prune.ts';

const FUNCTION = 'quetzal-paris';
const FUNCTION_ARN = `arn:aws:lambda:eu-west-3:123456789012:function:${FUNCTION}`;
const MACHINE = 'arn:aws:states:eu-west-3:123456789012:stateMachine:quetzal-paris';
const EXECUTION = (name: string) => `arn:aws:states:eu-west-3:123456789012:execution:quetzal-paris:${name}`;

/** A definition whose one Task calls `functionName` (the model's, by default) at `qualifier`. */
const calling = (qualifier: string, functionName = FUNCTION) =>
  JSON.stringify({
    StartAt: 'Run',
    States: {
      Run: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: `arn:aws:lambda:eu-west-3:123456789012:function:${functionName}:${qualifier}` },
        End: true,
      },
    },
  });

const versions = (...numbers: number[]) => numbers.map(String);
const facts = (overrides: Partial<PruneFacts> = {}): PruneFacts => ({
  versions: versions(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
  referenced: new Map(),
  complete: true,
  ...overrides,
});

describe('versionsToPrune', () => {
  test('keeps the N newest and deletes the older ones, oldest first', () => {
    assert.deepEqual(versionsToPrune(facts(), 10, new Set()), ['1', '2']);
    assert.deepEqual(versionsToPrune(facts(), 3, new Set()), versions(1, 2, 3, 4, 5, 6, 7, 8, 9));
  });

  test('deletes nothing while there are no more versions than it keeps', () => {
    assert.deepEqual(versionsToPrune(facts(), 12, new Set()), []);
    assert.deepEqual(versionsToPrune(facts(), 50, new Set()), []);
    assert.deepEqual(versionsToPrune(facts({ versions: [] }), 1, new Set()), []);
  });

  test('newest is by version number, not by text; $LATEST is never a candidate', () => {
    const unordered = facts({ versions: ['10', '$LATEST', '9', '2', '1', '11'] });
    assert.deepEqual(versionsToPrune(unordered, 2, new Set()), ['1', '2', '9']);
  });

  test('keeps an old version something refers to', () => {
    const referenced = new Map([
      ['1', 'alias live'],
      ['2', 'state machine version 4'],
    ]);
    assert.deepEqual(versionsToPrune(facts({ referenced }), 9, new Set()), ['3']);
  });

  test('keeps the versions of alsoKeep', () => {
    assert.deepEqual(versionsToPrune(facts(), 9, new Set(['2'])), ['1', '3']);
  });

  test('keep 0 deletes none', () => {
    assert.deepEqual(versionsToPrune(facts(), 0, new Set()), []);
  });

  test('incomplete facts prune none', () => {
    assert.deepEqual(versionsToPrune(facts({ complete: false, gap: 'ListStateMachineVersions did not answer' }), 1, new Set()), []);
  });
});

/** An error as the SDK throws it: a name and an HTTP status. */
function awsError(name: string, status: number, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
// One attempt: the stubbed 5xx answers are not retried.
const lambda = new LambdaClient({ region: 'eu-west-3', credentials, maxAttempts: 1 });
const sfn = new SFNClient({ region: 'eu-west-3', credentials, maxAttempts: 1 });
const lambdaMock = mockClient(lambda);
const sfnMock = mockClient(sfn);
afterEach(() => {
  lambdaMock.reset();
  sfnMock.reset();
});

/** Versions 1–12 (two pages), alias live → 1 with 10 % on 5, nothing on Step Functions but the current definition (→ 12). */
function stubBasics() {
  lambdaMock.on(ListVersionsByFunctionCommand, { FunctionName: FUNCTION, Marker: undefined }).resolves({
    Versions: [{ Version: '$LATEST' }, ...versions(1, 2, 3, 4, 5, 6).map((Version) => ({ Version }))],
    NextMarker: 'page-2',
  });
  lambdaMock.on(ListVersionsByFunctionCommand, { FunctionName: FUNCTION, Marker: 'page-2' }).resolves({
    Versions: versions(7, 8, 9, 10, 11, 12).map((Version) => ({ Version })),
  });
  lambdaMock.on(ListAliasesCommand).resolves({
    Aliases: [{ Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '5': 0.1 } } }],
  });
  sfnMock.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: [] });
  sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });
  sfnMock.on(DescribeStateMachineCommand, { stateMachineArn: MACHINE }).resolves({ definition: calling('12') });
}

describe('readPruneFacts (stubbed clients)', () => {
  test('reads every kind of reference, each with why', async () => {
    stubBasics();
    sfnMock.on(ListStateMachineVersionsCommand, { stateMachineArn: MACHINE, nextToken: undefined }).resolves({
      stateMachineVersions: [{ stateMachineVersionArn: `${MACHINE}:3`, creationDate: new Date() }],
      nextToken: 'more',
    });
    sfnMock.on(ListStateMachineVersionsCommand, { stateMachineArn: MACHINE, nextToken: 'more' }).resolves({
      stateMachineVersions: [
        { stateMachineVersionArn: `${MACHINE}:2`, creationDate: new Date() },
        { stateMachineVersionArn: `${MACHINE}:1`, creationDate: new Date() },
      ],
    });
    sfnMock.on(DescribeStateMachineCommand, { stateMachineArn: `${MACHINE}:3` }).resolves({ definition: calling('11') });
    sfnMock.on(DescribeStateMachineCommand, { stateMachineArn: `${MACHINE}:2` }).resolves({ definition: calling('6') });
    // Another function's version 7 is not the model's.
    sfnMock.on(DescribeStateMachineCommand, { stateMachineArn: `${MACHINE}:1` }).resolves({ definition: calling('7', 'quetzal-api-auth') });
    sfnMock.on(ListExecutionsCommand, { stateMachineArn: MACHINE, statusFilter: 'RUNNING' }).resolves({
      executions: [
        // Started on the unqualified state machine when its definition called version 3: what moto cannot show
        // (its DescribeStateMachineForExecution answers the live definition).
        { executionArn: EXECUTION('old-run'), name: 'old-run', stateMachineArn: MACHINE, status: 'RUNNING', startDate: new Date() },
        // Started on version 2: its definition is known, no call needed.
        { executionArn: EXECUTION('pinned-run'), name: 'pinned-run', stateMachineArn: MACHINE, stateMachineVersionArn: `${MACHINE}:2`, status: 'RUNNING', startDate: new Date() },
      ],
    });
    sfnMock.on(DescribeStateMachineForExecutionCommand, { executionArn: EXECUTION('old-run') }).resolves({ definition: calling('3') });

    const read = await readPruneFacts({ lambda, sfn }, FUNCTION, MACHINE);
    assert.deepEqual(read.versions, versions(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    assert.equal(read.complete, true);
    assert.equal(read.gap, undefined);
    assert.deepEqual(
      Object.fromEntries(read.referenced),
      {
        '1': 'alias live',
        '5': 'alias live',
        '11': 'state machine version 3',
        '6': 'state machine version 2',
        '3': 'running execution old-run',
        '12': "the state machine's definition",
      },
    );
    assert.deepEqual(sfnMock.commandCalls(DescribeStateMachineForExecutionCommand).map((call) => call.args[0].input.executionArn), [EXECUTION('old-run')]);
    assert.deepEqual(versionsToPrune(read, 2, new Set(['4'])), versions(2, 7, 8, 9, 10));
  });

  test('a state machine version deleted between the listing and its description is passed over', async () => {
    stubBasics();
    sfnMock.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: [{ stateMachineVersionArn: `${MACHINE}:9`, creationDate: new Date() }] });
    sfnMock.on(DescribeStateMachineCommand, { stateMachineArn: `${MACHINE}:9` }).rejects(awsError('StateMachineDoesNotExist', 400));
    const read = await readPruneFacts({ lambda, sfn }, FUNCTION, MACHINE);
    assert.equal(read.complete, true);
    assert.deepEqual([...read.referenced.keys()].sort(), ['1', '12', '5']);
  });

  for (const [label, error] of [
    ['UnknownOperationException', awsError('UnknownOperationException', 400)],
    ['an HTTP 500 page (moto 5.2.1)', awsError('SyntaxError', 500, 'Unexpected token <')],
  ] as const) {
    test(`ListStateMachineVersions answering ${label}: cannot tell, nothing is pruned`, async () => {
      stubBasics();
      sfnMock.on(ListStateMachineVersionsCommand).rejects(error);
      const read = await readPruneFacts({ lambda, sfn }, FUNCTION, MACHINE);
      assert.equal(read.complete, false);
      assert.match(read.gap ?? '', /ListStateMachineVersions did not answer/);
      assert.deepEqual(versionsToPrune(read, 1, new Set()), []);
    });
  }

  test('ListExecutions answering UnknownOperationException: cannot tell, nothing is pruned', async () => {
    stubBasics();
    sfnMock.on(ListExecutionsCommand).rejects(awsError('UnknownOperationException', 400));
    const read = await readPruneFacts({ lambda, sfn }, FUNCTION, MACHINE);
    assert.equal(read.complete, false);
    assert.match(read.gap ?? '', /ListExecutions did not answer/);
    assert.deepEqual(versionsToPrune(read, 1, new Set()), []);
  });

  test(`more than ${MAX_EXECUTIONS_DESCRIBED} running executions to describe: cannot tell, none described`, async () => {
    stubBasics();
    const executions = Array.from({ length: MAX_EXECUTIONS_DESCRIBED + 1 }, (_, index) => ({
      executionArn: EXECUTION(`run-${index}`),
      name: `run-${index}`,
      stateMachineArn: MACHINE,
      status: 'RUNNING' as const,
      startDate: new Date(),
    }));
    sfnMock.on(ListExecutionsCommand).resolves({ executions });
    const read = await readPruneFacts({ lambda, sfn }, FUNCTION, MACHINE);
    assert.equal(read.complete, false);
    assert.match(read.gap ?? '', /501 running executions/);
    assert.equal(sfnMock.commandCalls(DescribeStateMachineForExecutionCommand).length, 0);
  });

  test('access denied on a read is a DeployError naming the call and the permission', async () => {
    stubBasics();
    sfnMock.on(ListExecutionsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform: states:ListExecutions'));
    await assert.rejects(readPruneFacts({ lambda, sfn }, FUNCTION, MACHINE), (error: unknown) => {
      assert.ok(error instanceof DeployError);
      assert.match(error.message, /Step Functions ListExecutions on arn:aws:states:.*AccessDeniedException/);
      assert.match(error.hint ?? '', /states:ListExecutions/);
      assert.match(error.hint ?? '', /keep-lambda-versions/);
      return true;
    });
  });

  test('a Lambda read that fails is a DeployError', async () => {
    stubBasics();
    lambdaMock.on(ListAliasesCommand).rejects(awsError('TooManyRequestsException', 429));
    await assert.rejects(readPruneFacts({ lambda, sfn }, FUNCTION, MACHINE), /Lambda ListAliases on quetzal-paris failed: TooManyRequestsException/);
  });

  test('the current definition must be readable', async () => {
    stubBasics();
    sfnMock.on(DescribeStateMachineCommand, { stateMachineArn: MACHINE }).rejects(awsError('StateMachineDoesNotExist', 400));
    await assert.rejects(readPruneFacts({ lambda, sfn }, FUNCTION, MACHINE), (error: unknown) => error instanceof DeployError && /DescribeStateMachine/.test(error.message));
  });
});

interface Captured extends Logger {
  lines: string[];
}
function capture(): Captured {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(message),
    warning: (message) => lines.push(`warning: ${message}`),
    debug: () => {},
    secret: () => {},
    group: (_title, task) => task(),
  };
}

const deletedQualifiers = () => lambdaMock.commandCalls(DeleteFunctionCommand).map((call) => call.args[0].input);

describe('deleteVersions (stubbed client)', () => {
  test('deletes each version by Qualifier; an alias that moved onto one keeps it; conflicts and gone ones are noted', async () => {
    lambdaMock.on(ListAliasesCommand).resolves({ Aliases: [{ Name: 'live', FunctionVersion: '3' }] });
    lambdaMock.on(DeleteFunctionCommand).resolves({});
    lambdaMock
      .on(DeleteFunctionCommand, { FunctionName: FUNCTION, Qualifier: '4' })
      .rejects(awsError('ResourceConflictException', 409, 'Unable to delete version because the following aliases reference it: [beta]'));
    lambdaMock.on(DeleteFunctionCommand, { FunctionName: FUNCTION, Qualifier: '5' }).rejects(awsError('ResourceNotFoundException', 404, `Function not found: ${FUNCTION_ARN}:5`));
    const logger = capture();
    const result = await deleteVersions(lambda, FUNCTION, versions(1, 2, 3, 4, 5, 6), logger);
    assert.deepEqual(result.deleted, versions(1, 2, 6));
    assert.deepEqual(result.kept.map(({ version }) => version), versions(3, 4, 5));
    assert.match(result.kept[0].why, /alias live/);
    assert.match(result.kept[1].why, /alias refers to it.*ResourceConflictException/);
    assert.match(result.kept[2].why, /already deleted/);
    assert.deepEqual(deletedQualifiers(), versions(1, 2, 4, 5, 6).map((Qualifier) => ({ FunctionName: FUNCTION, Qualifier })));
    assert.ok(logger.lines.includes(`Deleted 3 old version(s) of ${FUNCTION}: 1, 2, 6.`), logger.lines.join('\n'));
  });

  test('another failure is a DeployError naming the version; the versions after it are left alone', async () => {
    lambdaMock.on(ListAliasesCommand).resolves({ Aliases: [] });
    lambdaMock.on(DeleteFunctionCommand).resolves({});
    lambdaMock.on(DeleteFunctionCommand, { FunctionName: FUNCTION, Qualifier: '2' }).rejects(awsError('AccessDeniedException', 403));
    await assert.rejects(deleteVersions(lambda, FUNCTION, versions(1, 2, 3), capture()), (error: unknown) => {
      assert.ok(error instanceof DeployError);
      assert.match(error.message, /DeleteFunction of version 2 of quetzal-paris failed: AccessDeniedException \(HTTP 403\).*deleted before it: 1/);
      assert.match(error.hint ?? '', /lambda:DeleteFunction/);
      return true;
    });
    assert.deepEqual(deletedQualifiers().map(({ Qualifier }) => Qualifier), ['1', '2']);
  });

  test('the aliases must be readable before anything is deleted', async () => {
    lambdaMock.on(ListAliasesCommand).rejects(awsError('ServiceException', 500));
    await assert.rejects(deleteVersions(lambda, FUNCTION, ['1'], capture()), DeployError);
    assert.equal(lambdaMock.commandCalls(DeleteFunctionCommand).length, 0);
  });

  test('never sends a DeleteFunction without a version number (that would delete the function)', async () => {
    for (const bad of ['$LATEST', '', 'live']) {
      await assert.rejects(deleteVersions(lambda, FUNCTION, ['1', bad], capture()), /not a version number/);
    }
    assert.equal(lambdaMock.commandCalls(DeleteFunctionCommand).length, 0);
    assert.equal(lambdaMock.commandCalls(ListAliasesCommand).length, 0);
  });

  test('nothing to delete: no call at all', async () => {
    assert.deepEqual(await deleteVersions(lambda, FUNCTION, [], capture()), { deleted: [], kept: [] });
    assert.equal(lambdaMock.calls().length, 0);
  });
});
