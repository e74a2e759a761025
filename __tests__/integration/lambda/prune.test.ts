/**
 * Pruning old Lambda versions against a real moto_server of its own (port 5431): a function with nine published
 * versions, an alias, a state machine whose published version and current definition name versions by qualified
 * ARN, and a running execution.
 *
 * What moto 5.2.1 lacks, and where it is covered instead (__tests__/unit/lambda/prune.test.ts, stubbed clients):
 * - ListStateMachineVersions (moto answers an HTML page of status 500): the first test shows that this makes the
 *   facts incomplete, so nothing is pruned; the second answers that one call from the state machine versions the
 *   test published, and leaves every other call (DescribeStateMachine of each version included) to moto.
 * - DescribeStateMachineForExecution answers the live definition, not the one the execution started with: a
 *   running execution that still runs an older definition is the unit test's.
 * - DeleteFunction deletes a version an alias names (AWS refuses: ResourceConflictException): unit test too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  StartExecutionCommand,
  UpdateStateMachineCommand,
  type ListStateMachineVersionsCommandOutput,
} from '@aws-sdk/client-sfn';
import type { Logger } from '../../../src/ground/logger.ts';
import { deleteVersions, readPruneFacts, versionsToPrune } from '../../../src/lambda/prune.ts';
import { startMotoServer, type MotoServer } from '../../helpers/moto-server.ts';

const PORT = 5431;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const FUNCTION = `prune-${process.pid}`;
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION}`;
/** An empty zip archive: moto keeps the code of a Zip function without running it. */
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);

/** A definition whose one Task invokes version `version` of the function by qualified ARN. */
const calling = (version: string) =>
  JSON.stringify({
    StartAt: 'Run',
    States: { Run: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: `${FUNCTION_ARN}:${version}` }, End: true } },
  });

let moto: MotoServer;
let lambda: LambdaClient;
let sfn: SFNClient;
let stateMachineArn: string;
/** The state machine versions the test published (what ListStateMachineVersions would list). */
const machineVersions: string[] = [];

const lines: string[] = [];
const logger: Logger = {
  info: (message) => lines.push(message),
  warning: (message) => lines.push(`warning: ${message}`),
  debug: () => {},
  secret: () => {},
  group: (_title, task) => task(),
};

/**
 * `sfn` with ListStateMachineVersions answered from `machineVersions`, since moto has no such call; every other
 * call goes to moto.
 */
function withStateMachineVersions(client: SFNClient): SFNClient {
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const answer = (): ListStateMachineVersionsCommandOutput => ({
    stateMachineVersions: [...machineVersions].reverse().map((stateMachineVersionArn) => ({ stateMachineVersionArn, creationDate: new Date() })),
    $metadata: {},
  });
  return Object.assign(Object.create(client) as SFNClient, {
    send: (command: unknown) => (command instanceof ListStateMachineVersionsCommand ? Promise.resolve(answer()) : send(command)),
  });
}

async function publishedVersions(): Promise<string[]> {
  const page = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FUNCTION }));
  return (page.Versions ?? []).map(({ Version }) => Version!).filter((version) => version !== '$LATEST');
}

before(async () => {
  moto = await startMotoServer(PORT);
  // One attempt: moto's answer 500 to ListStateMachineVersions is not worth retrying here.
  const config = { endpoint: moto.endpoint, region: REGION, credentials, maxAttempts: 1 };
  lambda = new LambdaClient(config);
  sfn = new SFNClient(config);

  // The project has no IAM client (the local account makes its roles with the AWS CLI too).
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: REGION };
  await promisify(execFile)('aws', ['--endpoint-url', moto.endpoint, 'iam', 'create-role', '--role-name', FUNCTION, '--assume-role-policy-document', JSON.stringify(trust)], { env });
  const role = `arn:aws:iam::${ACCOUNT}:role/${FUNCTION}`;

  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: FUNCTION,
      Role: role,
      Runtime: 'python3.12',
      Handler: 'model.handler',
      Code: { ZipFile: EMPTY_ZIP },
      Environment: { Variables: { RELEASE: '0' } },
    }),
  );
  // Versions 1–9. Like AWS, moto publishes nothing new when nothing changed: each gets its own environment.
  for (let release = 1; release <= 9; release++) {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FUNCTION, Environment: { Variables: { RELEASE: String(release) } } }));
    const published = await lambda.send(new PublishVersionCommand({ FunctionName: FUNCTION, Description: `release ${release}` }));
    assert.equal(published.Version, String(release));
  }
  // Alias live: version 1, with 10 % of the calls on version 3.
  await lambda.send(new CreateAliasCommand({ FunctionName: FUNCTION, Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } } }));

  // State machine version 1 names Lambda version 2; the current definition names version 4.
  const created = await sfn.send(
    new CreateStateMachineCommand({ name: FUNCTION, roleArn: `arn:aws:iam::${ACCOUNT}:role/${FUNCTION}`, definition: calling('2'), publish: true }),
  );
  stateMachineArn = created.stateMachineArn!;
  machineVersions.push(created.stateMachineVersionArn!);
  await sfn.send(new UpdateStateMachineCommand({ stateMachineArn, definition: calling('4') }));
  // moto runs nothing unless told to: the execution stays RUNNING.
  await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'prune-run', input: '{}' }));
});

after(async () => {
  lambda?.destroy();
  sfn?.destroy();
  await moto?.stop();
});

describe('pruning old Lambda versions (moto)', () => {
  test('without ListStateMachineVersions (moto as it is) the facts are incomplete and nothing is pruned', async () => {
    const facts = await readPruneFacts({ lambda, sfn }, FUNCTION, stateMachineArn);
    assert.deepEqual(facts.versions, ['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(facts.complete, false);
    assert.match(facts.gap ?? '', /ListStateMachineVersions did not answer/);
    // What could be read was read all the same.
    assert.equal(facts.referenced.get('1'), 'alias live');
    assert.equal(facts.referenced.get('3'), 'alias live');
    assert.equal(facts.referenced.has('4'), true);
    assert.deepEqual(versionsToPrune(facts, 2, new Set()), []);
  });

  test('deletes only the old versions nothing refers to, and keeps one an alias moved onto since the plan', async () => {
    const facts = await readPruneFacts({ lambda, sfn: withStateMachineVersions(sfn) }, FUNCTION, stateMachineArn);
    assert.equal(facts.complete, true, facts.gap);
    assert.deepEqual(facts.versions, ['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.deepEqual(Object.fromEntries(facts.referenced), {
      '1': 'alias live',
      '3': 'alias live',
      // DescribeStateMachine of the version ARN: moto answers the definition the version was published with.
      '2': 'state machine version 1',
      // moto's DescribeStateMachineForExecution answers the live definition (on AWS: the one the run started with).
      '4': 'running execution prune-run',
    });

    // Keep the 2 newest (8, 9) and version 5 (the deploy's own): 6 and 7 are unreferenced.
    const plan = versionsToPrune(facts, 2, new Set(['5']));
    assert.deepEqual(plan, ['6', '7']);

    // Meanwhile someone points the alias at version 6.
    await lambda.send(new UpdateAliasCommand({ FunctionName: FUNCTION, Name: 'live', FunctionVersion: '6', RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } } }));
    const result = await deleteVersions(lambda, FUNCTION, plan, logger);
    assert.deepEqual(result.deleted, ['7']);
    assert.deepEqual(result.kept.map(({ version }) => version), ['6']);
    assert.match(result.kept[0].why, /alias live/);

    assert.deepEqual(await publishedVersions(), ['1', '2', '3', '4', '5', '6', '8', '9']);
    const aliases = await lambda.send(new ListAliasesCommand({ FunctionName: FUNCTION }));
    assert.deepEqual(aliases.Aliases?.map(({ Name, FunctionVersion }) => ({ Name, FunctionVersion })), [{ Name: 'live', FunctionVersion: '6' }]);
    assert.ok(lines.includes(`Deleted 1 old version(s) of ${FUNCTION}: 7.`), lines.join('\n'));
  });

  test('a version deleted already is noted, not a failure', async () => {
    const result = await deleteVersions(lambda, FUNCTION, ['7'], logger);
    assert.deepEqual(result.deleted, []);
    assert.equal(result.kept.length, 1);
    assert.match(result.kept[0].why, /already deleted.*ResourceNotFoundException/);
    assert.deepEqual(await publishedVersions(), ['1', '2', '3', '4', '5', '6', '8', '9']);
  });
});
