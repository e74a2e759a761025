/**
 * Releases as snapshots, end to end: the bundled action against the local account (moto runs executions through
 * its ASL interpreter; scripts/local-account/start.sh turns that on). Every deploy pins the state machine to the
 * Lambda version it published; a model run in flight keeps the version it started with; a rerun is a no-op; a
 * tag publishes both versions and moves both aliases; a rollback goes back to an earlier release.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetAliasCommand, GetFunctionCommand, LambdaClient, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { errorMessages, runAction, type ActionRun } from '../helpers/action.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo, type ModelRepo } from '../helpers/model-repo.ts';

let account: LocalAccount;
let repo: ModelRepo;
let lambda: LambdaClient;
let sfn: SFNClient;
const name = `qrel-${process.pid}`;
let functionArn: string;
let machineArn: string;

/** A model whose one step waits `$.wait` seconds, then calls the model's function. */
const DEFINITION = (comment: string) =>
  JSON.stringify(
    {
      Comment: comment,
      StartAt: 'Wait',
      States: {
        Wait: { Type: 'Wait', SecondsPath: '$.wait', Next: 'Network' },
        Network: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          OutputPath: '$.Payload',
          Parameters: {
            FunctionName: '${LambdaFunctionArn}',
            Payload: { notebook_path: 'notebooks/transport/A10_network.ipynb', 'scenario_path_S3.$': '$.scenario_path_S3' },
          },
          End: true,
        },
      },
    },
    null,
    2,
  );

function commitDefinition(comment: string): string {
  fs.writeFileSync(path.join(repo.model, 'step-functions.json'), DEFINITION(comment));
  // A file of the image changes too: every commit here is a new image.
  fs.writeFileSync(path.join(repo.model, 'notebooks', 'release.txt'), comment);
  return repo.commit(comment);
}

function deploy(inputs: Record<string, string>, options: { sha: string; ref?: string }): Promise<ActionRun> {
  return runAction({
    workspace: repo.workspace,
    eventName: 'push',
    sha: options.sha,
    ref: options.ref ?? 'refs/heads/main',
    inputs: {
      'model-folder': 'quetzal-example',
      'ecr-repository': name,
      'lambda-function': name,
      bucket: name,
      steps: 'image,lambda,state-machine',
      ...inputs,
    },
    env: account.env,
  });
}

/** The part of a definition these tests read. */
type Definition = { States: Record<string, { Parameters?: { FunctionName?: string } }> };

async function definitionNow(arn = machineArn): Promise<Definition> {
  return JSON.parse((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).definition ?? '{}');
}

const calledFunction = (definition: Definition) => definition.States.Network.Parameters?.FunctionName ?? '';

async function lambdaNow() {
  const { Configuration, Code } = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  return { imageUri: Code?.ImageUri, imageTag: Configuration?.Environment?.Variables?.IMAGE_TAG, lastModified: Configuration?.LastModified };
}

async function versionCount(): Promise<number> {
  const { Versions = [] } = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  return Versions.filter((version) => version.Version !== '$LATEST').length;
}

async function finished(executionArn: string) {
  for (let attempt = 0; attempt < 120; attempt++) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') return execution;
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new Error(`${executionArn} still running after 60 s`);
}

before(async () => {
  account = await startLocalAccount();
  await account.provisionModel(name);
  lambda = new LambdaClient(account.sdkConfig);
  sfn = new SFNClient(account.sdkConfig);
  functionArn = `arn:aws:lambda:${account.region}:${account.accountId}:function:${name}`;
  machineArn = `arn:aws:states:${account.region}:${account.accountId}:stateMachine:${name}`;
  repo = modelRepo();
});

after(async () => {
  lambda?.destroy();
  sfn?.destroy();
  await account?.stop();
});

describe('releases are snapshots', () => {
  let first: ActionRun;
  let second: ActionRun;
  let inFlight: string;
  let secondSha: string;

  before(async () => {
    first = await deploy({}, { sha: commitDefinition('first') });
  });

  it('a push publishes a Lambda version and the definition calls it by its qualified ARN', async () => {
    assert.equal(first.exitCode, 0, first.stdout + first.stderr);
    const version = first.outputs['lambda-version'];
    assert.match(version, /^\d+$/);
    assert.equal(first.outputs['lambda-version-arn'], `${functionArn}:${version}`);
    assert.equal(calledFunction(await definitionNow()), `${functionArn}:${version}`);
    const published = await lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier: version }));
    assert.equal(published.Code?.ImageUri, first.outputs['image-uri'], 'the version runs the image just pushed');
    assert.match(published.Configuration?.Description ?? '', /^commit [0-9a-f]{40}$/);
    assert.match(first.summary, /\| Lambda version called \| \d+ \|/);
  });

  it('a model run in flight keeps calling the version it started with', async () => {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: `inflight-${process.pid}`, input: JSON.stringify({ wait: 25, scenario_path_S3: 's3://x/base/' }) }));
    inFlight = started.executionArn ?? '';
    secondSha = commitDefinition('second');
    second = await deploy({}, { sha: secondSha });
    const deployed = Date.now();
    assert.equal(second.exitCode, 0, second.stdout + second.stderr);
    assert.notEqual(second.outputs['lambda-version'], first.outputs['lambda-version']);
    assert.equal(calledFunction(await definitionNow()), `${functionArn}:${second.outputs['lambda-version']}`);

    const execution = await finished(inFlight);
    assert.equal(execution.status, 'SUCCEEDED');
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: inFlight }));
    const scheduled = events.find((event) => event.type === 'TaskScheduled');
    assert.ok(scheduled?.timestamp && scheduled.timestamp.getTime() >= deployed - 1000, 'the task was scheduled after the deploy had changed the definition');
    assert.equal(JSON.parse(scheduled.taskScheduledEventDetails?.parameters ?? '{}').FunctionName, `${functionArn}:${first.outputs['lambda-version']}`);
  });

  it('a rerun of the deployed commit publishes nothing and changes nothing', async () => {
    const versions = await versionCount();
    const before = await lambdaNow();
    const definition = await definitionNow();
    const rerun = await deploy({}, { sha: secondSha });
    assert.equal(rerun.exitCode, 0, rerun.stdout);
    assert.match(rerun.summary, /### lambda: unchanged/);
    assert.match(rerun.summary, /### state-machine: unchanged/);
    assert.equal(rerun.outputs['lambda-version'], second.outputs['lambda-version']);
    assert.equal(await versionCount(), versions);
    assert.deepEqual(await lambdaNow(), before);
    assert.deepEqual(await definitionNow(), definition);
  });
});

describe('tag releases and rollback', () => {
  let v1: ActionRun;
  let v2: ActionRun;
  let definitionOfV1: Definition;

  before(async () => {
    const sha = repo.git('rev-parse', 'HEAD');
    v1 = await deploy({ alias: 'live' }, { sha, ref: 'refs/tags/v1.0.0' });
    definitionOfV1 = await definitionNow();
    v2 = await deploy({ alias: 'live' }, { sha: commitDefinition('third'), ref: 'refs/tags/v2.0.0' });
  });

  it('a tag publishes a state machine version of the pinned definition and moves both aliases', async () => {
    assert.equal(v1.exitCode, 0, v1.stdout);
    assert.equal(v2.exitCode, 0, v2.stdout);
    const versionArn = v2.outputs['state-machine-version-arn'];
    assert.match(versionArn, new RegExp(`^${machineArn}:\\d+$`));
    const version = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: versionArn }));
    assert.match(version.description ?? '', /^tag v2\.0\.0 commit [0-9a-f]{40}$/);
    assert.equal(calledFunction(JSON.parse(version.definition ?? '{}')), v2.outputs['lambda-version-arn']);

    const lambdaAlias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
    assert.equal(lambdaAlias.FunctionVersion, v2.outputs['lambda-version']);
    assert.equal(v2.outputs['state-machine-alias-arn'], `${machineArn}:live`);
    const machineAlias = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${machineArn}:live` }));
    assert.deepEqual(machineAlias.routingConfiguration?.map((route) => route.stateMachineVersionArn), [versionArn]);
    assert.ok(v2.summary.includes(`was version ${v1.outputs['lambda-version']}`), 'the summary says where the Lambda alias was');
    assert.ok(v2.summary.includes(`was ${v1.outputs['state-machine-version-arn']}`), 'the summary says where the state machine alias was');
  });

  it('a plan of a rollback says what would move and writes nothing', async () => {
    const before = { fn: await lambdaNow(), definition: await definitionNow() };
    const plan = await deploy({ mode: 'plan', to: 'v1.0.0', alias: 'live' }, { sha: repo.git('rev-parse', 'HEAD') });
    assert.equal(plan.exitCode, 0, plan.stdout);
    assert.match(plan.summary, /plan of a rollback to `v1\.0\.0`/);
    assert.match(plan.summary, /### lambda: would roll back/);
    assert.match(plan.summary, /### state-machine: would roll back/);
    assert.match(plan.summary, /Scenario data in the bucket is not rolled back/);
    assert.deepEqual({ fn: await lambdaNow(), definition: await definitionNow() }, before);
  });

  it('a rollback to an earlier tag puts back its definition, its image and both aliases', async () => {
    const rollback = await deploy({ mode: 'rollback', to: 'v1.0.0', alias: 'live' }, { sha: repo.git('rev-parse', 'HEAD') });
    assert.equal(rollback.exitCode, 0, rollback.stdout + rollback.stderr);
    assert.deepEqual(await definitionNow(), definitionOfV1);
    const release = await lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier: v1.outputs['lambda-version'] }));
    assert.equal((await lambdaNow()).imageUri, release.Code?.ImageUri);
    assert.equal((await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }))).FunctionVersion, v1.outputs['lambda-version']);
    const machineAlias = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${machineArn}:live` }));
    assert.deepEqual(machineAlias.routingConfiguration?.map((route) => route.stateMachineVersionArn), [v1.outputs['state-machine-version-arn']]);
    assert.equal(rollback.outputs['state-machine-version-arn'], v1.outputs['state-machine-version-arn']);
  });

  it('a release that cannot be found is a clear error before any write', async () => {
    const before = { fn: await lambdaNow(), definition: await definitionNow() };
    const run = await deploy({ mode: 'rollback', to: 'v9.9.9' }, { sha: repo.git('rev-parse', 'HEAD') });
    assert.equal(run.exitCode, 1);
    assert.match(errorMessages(run), /v9\.9\.9/);
    assert.deepEqual({ fn: await lambdaNow(), definition: await definitionNow() }, before);
  });
});

describe('a release workflow that syncs no scenario', () => {
  it('works on a bucket without a base scenario', async () => {
    const run = await deploy({ steps: 'image,lambda,state-machine,scenarios', scenarios: 'none' }, { sha: repo.git('rev-parse', 'HEAD'), ref: 'refs/tags/v3.0.0' });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  });
});

describe('old Lambda versions', () => {
  it('are pruned down to keep-lambda-versions, never one a release, an alias or the definition still calls', async () => {
    const referenced = new Set<string>();
    for (let version = 1; ; version++) {
      try {
        const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${machineArn}:${version}` }));
        referenced.add(calledFunction(JSON.parse(machine.definition ?? '{}')).split(':').at(-1) ?? '');
      } catch {
        break;
      }
    }
    referenced.add((await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }))).FunctionVersion ?? '');
    referenced.add(calledFunction(await definitionNow()).split(':').at(-1) ?? '');
    const { Versions = [] } = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    const before = Versions.map((version) => version.Version ?? '').filter((version) => /^\d+$/.test(version));
    const unreferenced = before.filter((version) => !referenced.has(version));
    assert.ok(unreferenced.length > 0, `some version is unreferenced (versions ${before.join(', ')}, referenced ${[...referenced].join(', ')})`);

    const run = await deploy({ 'keep-lambda-versions': '1' }, { sha: commitDefinition('fourth') });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    const { Versions: after = [] } = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    const left = new Set(after.map((version) => version.Version));
    for (const version of referenced) assert.ok(left.has(version), `version ${version} is still called by something and is kept`);
    for (const version of unreferenced) assert.ok(!left.has(version), `version ${version} called by nothing is deleted`);
    assert.ok(left.has(run.outputs['lambda-version']));
    assert.match(run.summary, new RegExp(`Old versions deleted \\| ${unreferenced.join(', ')} \\|`));
  });
});
