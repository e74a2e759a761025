/**
 * findRelease against a moto_server of its own (port 5432): a Lambda function with published versions, a state
 * machine with published versions calling them, each described as a deploy describes them.
 *
 * moto 5.2 does not implement ListStateMachineVersions (it answers HTTP 500): the SFN client given to findRelease
 * answers that one call from the versions this test published, newest first and two to a page (so that the
 * pagination is exercised); every other call goes to moto.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  SFNClient,
  UpdateStateMachineCommand,
  type ListStateMachineVersionsCommandInput,
  type ListStateMachineVersionsCommandOutput,
  type StateMachineVersionListItem,
} from '@aws-sdk/client-sfn';
import { DeployError } from '../../../src/ground/errors.ts';
import { releaseDescription } from '../../../src/ground/release.ts';
import { describeRelease, findRelease, type Release } from '../../../src/pipeline/find-release.ts';
import { startMotoServer, type MotoServer } from '../../helpers/moto-server.ts';

const run = promisify(execFile);
const PORT = 5432;
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const NAME = 'find-release-model';
const REPOSITORY = `123456789012.dkr.ecr.${REGION}.amazonaws.com/${NAME}`;

const sha = (digit: string) => digit.repeat(40);
const SHA_A = sha('a'); // tag v1.0.0
const SHA_B = sha('b'); // a deploy without a tag: a Lambda version, no state machine version
const SHA_C = sha('c'); // tag v1.1.0
const SHA_D = sha('d'); // tag v1.2.0, published with pinning off
const SHA_E = sha('e'); // tag v1.3.0, a definition calling two versions
const SHA_F = '0123456789abcdef0123456789abcdef01234567'; // a Lambda version whose state machine version was published by hand
const SHA_G = sha('9'); // tag v0.9.0, whose Lambda version was pruned
const SHA_H = sha('8'); // tag v1.1.1, the image of v1.1.0 again

let moto: MotoServer;
let lambda: LambdaClient;
let sfn: SFNClient;
let functionArn: string;
let stateMachineArn: string;
let roleArn: string;
/** The state machine versions published, oldest first: what ListStateMachineVersions answers from. */
const published: StateMachineVersionListItem[] = [];
let listCalls = 0;
const lambdaVersions = new Map<string, string>(); // IMAGE_TAG → version

const target = () => ({ functionName: NAME, functionArn, stateMachineArn });
const find = (to: string) => findRelease({ lambda, sfn }, target(), to);

/** A definition invoking each of `functionNames` (names, partial or full ARNs) in turn, and the shared auth Lambda. */
function definition(...functionNames: string[]): string {
  const states: Record<string, unknown> = {
    Auth: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: `arn:aws:lambda:${REGION}:123456789012:function:quetzal-api-auth:2` }, Next: 'Step0' },
  };
  functionNames.forEach((functionName, index) => {
    states[`Step${index}`] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: functionName, 'Payload.$': '$' },
      ...(index === functionNames.length - 1 ? { End: true } : { Next: `Step${index + 1}` }),
    };
  });
  return JSON.stringify({ Comment: 'test', StartAt: 'Auth', States: states });
}
const version = (n: string) => `${functionArn}:${n}`;

/** Sets IMAGE_TAG (Lambda publishes nothing new when nothing changed) and publishes a version described `description`. */
async function publishLambda(imageTag: string, description: string): Promise<string> {
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Environment: { Variables: { IMAGE_TAG: imageTag, BUCKET_NAME: NAME } } }));
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: NAME });
  const { Version } = await lambda.send(new PublishVersionCommand({ FunctionName: NAME, Description: description }));
  assert.ok(Version && !lambdaVersions.has(imageTag));
  lambdaVersions.set(imageTag, Version);
  return Version;
}

async function publishMachine(text: string, versionDescription: string): Promise<string> {
  const { stateMachineVersionArn } = await sfn.send(new UpdateStateMachineCommand({ stateMachineArn, definition: text, publish: true, versionDescription }));
  assert.ok(stateMachineVersionArn);
  published.push({ stateMachineVersionArn, creationDate: new Date() });
  return /:(\d+)$/.exec(stateMachineVersionArn)![1];
}

/** Answers ListStateMachineVersions (which moto lacks) from `published`, newest first, two to a page. */
function answerVersionListing(client: SFNClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'ListStateMachineVersionsCommand') return next(args);
      listCalls += 1;
      const input = args.input as ListStateMachineVersionsCommandInput;
      const all = published.filter((item) => item.stateMachineVersionArn!.startsWith(`${input.stateMachineArn}:`)).reverse();
      const start = Number(input.nextToken ?? 0);
      const output: ListStateMachineVersionsCommandOutput = {
        stateMachineVersions: all.slice(start, start + 2),
        ...(start + 2 < all.length ? { nextToken: String(start + 2) } : {}),
        $metadata: { httpStatusCode: 200 },
      };
      return { output, response: {} } as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: 'answerListStateMachineVersions' },
  );
}

async function rejectsWith(to: string, message: RegExp, hint?: RegExp): Promise<DeployError> {
  let caught: unknown;
  await assert.rejects(find(to), (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof DeployError, `a DeployError for ${to}: ${String(caught)}`);
  assert.match(caught.message, message);
  assert.ok(caught.hint, `a hint for ${to}`);
  if (hint) assert.match(caught.hint, hint);
  return caught;
}

before(async () => {
  moto = await startMotoServer(PORT);
  const config = { endpoint: moto.endpoint, region: REGION, credentials: CREDENTIALS };
  lambda = new LambdaClient(config);
  sfn = new SFNClient(config);
  answerVersionListing(sfn);
  const awsEnv = { ...process.env, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_DEFAULT_REGION: REGION };
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const { stdout } = await run('aws', ['iam', 'create-role', '--endpoint-url', moto.endpoint, '--role-name', `${NAME}-role`, '--assume-role-policy-document', trust, '--query', 'Role.Arn', '--output', 'text'], { env: awsEnv });
  roleArn = stdout.trim();

  const created = await lambda.send(new CreateFunctionCommand({ FunctionName: NAME, Role: roleArn, PackageType: 'Image', Code: { ImageUri: `${REPOSITORY}:v1.0.0` }, Environment: { Variables: { BUCKET_NAME: NAME } } }));
  functionArn = created.FunctionArn!;
  const machine = await sfn.send(new CreateStateMachineCommand({ name: NAME, roleArn, definition: definition(NAME) }));
  stateMachineArn = machine.stateMachineArn!;

  assert.equal(await publishLambda('v1.0.0', releaseDescription({ tag: 'v1.0.0', commit: SHA_A })), '1');
  assert.equal(await publishLambda('sha-b', releaseDescription({ commit: SHA_B })), '2');
  assert.equal(await publishLambda('v1.1.0', releaseDescription({ tag: 'v1.1.0', commit: SHA_C })), '3');
  assert.equal(await publishLambda('v1.2.0', releaseDescription({ tag: 'v1.2.0', commit: SHA_D })), '4');
  assert.equal(await publishLambda('v1.3.0', releaseDescription({ tag: 'v1.3.0', commit: SHA_E })), '5');
  assert.equal(await publishLambda('sha-f', releaseDescription({ commit: SHA_F })), '6');
  assert.equal(await publishLambda('v0.9.0', releaseDescription({ tag: 'v0.9.0', commit: SHA_G })), '7');

  assert.equal(await publishMachine(definition(version('1')), releaseDescription({ tag: 'v1.0.0', commit: SHA_A })), '1');
  assert.equal(await publishMachine(definition(version('3')), releaseDescription({ tag: 'v1.1.0', commit: SHA_C })), '2');
  assert.equal(await publishMachine(definition(NAME, `${functionArn}:$LATEST`), releaseDescription({ tag: 'v1.2.0', commit: SHA_D })), '3');
  assert.equal(await publishMachine(definition(version('5'), version('3')), releaseDescription({ tag: 'v1.3.0', commit: SHA_E })), '4');
  assert.equal(await publishMachine(definition(version('6')), 'published by hand from the console'), '5');
  assert.equal(await publishMachine(definition(version('3')), releaseDescription({ tag: 'v1.1.1', commit: SHA_H })), '6');
  assert.equal(await publishMachine(definition(version('7')), releaseDescription({ tag: 'v0.9.0', commit: SHA_G })), '7');
  await lambda.send(new DeleteFunctionCommand({ FunctionName: NAME, Qualifier: '7' })); // pruned
});

after(async () => {
  lambda?.destroy();
  sfn?.destroy();
  await moto?.stop();
});

function assertRelease(release: Release, expected: { to: string; machine: string; lambda: string; imageTag: string; description: string }): void {
  assert.equal(release.to, expected.to);
  assert.equal(release.stateMachineVersion, expected.machine);
  assert.equal(release.stateMachineVersionArn, `${stateMachineArn}:${expected.machine}`);
  assert.equal(release.lambdaVersion, expected.lambda);
  assert.equal(release.lambdaVersionArn, `${functionArn}:${expected.lambda}`);
  assert.equal(release.imageTag, expected.imageTag);
  assert.equal(release.description, expected.description);
  assert.ok(release.definition.includes(`${functionArn}:${expected.lambda}`), release.definition);
  assert.match(release.imageUri, new RegExp(`^${REPOSITORY.replace(/\./g, '\\.')}@sha256:[0-9a-f]{64}$`), 'the tag form resolved to repository@digest');
  assert.ok(release.created instanceof Date);
}

describe('findRelease', () => {
  test('by tag: the state machine version described with it and the Lambda version it calls', async () => {
    const release = await find('v1.1.0');
    assertRelease(release, { to: 'v1.1.0', machine: '2', lambda: '3', imageTag: 'v1.1.0', description: `tag v1.1.0 commit ${SHA_C}` });
    assert.equal(release.definition, definition(version('3')));
    assert.ok(listCalls >= 4, 'seven versions, two to a page: every page is read');
  });

  test('by full and short commit', async () => {
    const full = await find(SHA_A);
    assertRelease(full, { to: SHA_A, machine: '1', lambda: '1', imageTag: 'v1.0.0', description: `tag v1.0.0 commit ${SHA_A}` });
    const short = await find(SHA_A.slice(0, 7));
    assert.equal(short.stateMachineVersion, '1');
    assert.equal(short.lambdaVersion, '1');
    assert.equal((await find(SHA_C.slice(0, 12))).stateMachineVersion, '2');
  });

  test('by Lambda version number: the newest state machine version calling it', async () => {
    const three = await find('3');
    assertRelease(three, { to: '3', machine: '6', lambda: '3', imageTag: 'v1.1.0', description: `tag v1.1.1 commit ${SHA_H}` });
    const five = await find('5');
    assert.equal(five.stateMachineVersion, '4', 'a definition calling two versions is fine when the version is named');
    assert.equal(five.lambdaVersion, '5');
    assert.equal(five.imageTag, 'v1.3.0');
  });

  test('a commit only a Lambda version is described with: the newest state machine version calling it', async () => {
    // "01234567" is all digits: no Lambda version has that number, so it is looked up as a commit.
    const release = await find(SHA_F.slice(0, 8));
    assertRelease(release, { to: SHA_F.slice(0, 8), machine: '5', lambda: '6', imageTag: 'sha-f', description: 'published by hand from the console' });
  });

  test('no release: not found, with what to check', async () => {
    const error = await rejectsWith('v9.9.9', /^No release "v9\.9\.9": no state machine version of find-release-model is described with that tag or commit\.$/, /input `publish`.*keep-lambda-versions.*deleted/s);
    assert.match(error.hint ?? '', /Newest releases: v0\.9\.0, v1\.1\.1, v1\.3\.0, v1\.2\.0, v1\.1\.0\./);
    await rejectsWith('fedcba9', /^No release "fedcba9": no state machine version/);
    await rejectsWith('42', /^No release "42": find-release-model has no Lambda version 42/, /keep-lambda-versions/);
  });

  test('a Lambda version no state machine version calls is no release', async () => {
    await rejectsWith(SHA_B, /Lambda version 2 of find-release-model is described with it, but no state machine version of find-release-model calls that version/, /publish/);
    await rejectsWith('2', /no state machine version of find-release-model calls Lambda version 2/, /\$LATEST/);
  });

  test('a version published with pinning off cannot be rolled back to', async () => {
    await rejectsWith('v1.2.0', /State machine version 3 .* is release "v1\.2\.0", but cannot roll back to it: its definition calls \$LATEST/, /pin-lambda-version/);
    await rejectsWith(SHA_D.slice(0, 10), /cannot roll back to it: its definition calls \$LATEST/);
  });

  test('a definition calling two versions of the function is refused: which image would be put back?', async () => {
    await rejectsWith('v1.3.0', /calls 2 versions of find-release-model \(3, 5\)/, /`to`.*3, 5/);
  });

  test('a release whose Lambda version was pruned', async () => {
    await rejectsWith('v0.9.0', /state machine version 7 .* calls Lambda version 7 of find-release-model, which no longer exists/, /keep-lambda-versions/);
  });

  test('an image given by digest is kept as it is', async () => {
    const name = `${NAME}-digest`;
    const image = `${REPOSITORY}@sha256:${'1'.repeat(64)}`;
    const fn = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Role: roleArn, PackageType: 'Image', Code: { ImageUri: image } }));
    const { Version } = await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: releaseDescription({ tag: 'v2.0.0', commit: SHA_A }) }));
    const machine = await sfn.send(new CreateStateMachineCommand({ name, roleArn, definition: definition(name) }));
    const { stateMachineVersionArn } = await sfn.send(
      new UpdateStateMachineCommand({ stateMachineArn: machine.stateMachineArn, definition: definition(`${fn.FunctionArn}:${Version}`), publish: true, versionDescription: releaseDescription({ tag: 'v2.0.0', commit: SHA_A }) }),
    );
    published.push({ stateMachineVersionArn, creationDate: new Date() });
    const release = await findRelease({ lambda, sfn }, { functionName: name, functionArn: fn.FunctionArn!, stateMachineArn: machine.stateMachineArn! }, 'v2.0.0');
    assert.equal(release.imageUri, image);
    assert.equal(release.imageTag, undefined, 'no IMAGE_TAG in its environment');
    assert.equal(release.lambdaVersionArn, `${fn.FunctionArn}:1`);
  });

  test('describeRelease names the release, both versions and the image', async () => {
    const line = describeRelease(await find('v1.1.0'));
    assert.match(line, /^release tag v1\.1\.0 \(commit cccccccccccc\): state machine version 2, Lambda version 3 \(.+@sha256:[0-9a-f]{64}, IMAGE_TAG v1\.1\.0\), published \d{4}-/);
    assert.match(describeRelease(await find(SHA_F.slice(0, 8))), /^release "0123456[^"]*": state machine version 5, Lambda version 6/);
  });
});
