/**
 * The smoke run end to end (input `smoke-test`): the bundled action deploys a model, then starts one execution of
 * its state machine with the smoke-test file as input and waits for it. moto runs executions through its ASL
 * interpreter (scripts/local-account/start.sh configures it); its Lambda invocations answer with the payload they
 * were given, for any function name, so the failing run here fails where AWS would too without a Lambda: a state
 * reads a path the execution's input does not have (States.Runtime).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { errorMessages, runAction, type ActionRun } from '../helpers/action.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo, type ModelRepo } from '../helpers/model-repo.ts';

let account: LocalAccount;
let repo: ModelRepo;
let lambda: LambdaClient;
let sfn: SFNClient;
const name = `qsmoke-${process.pid}`;

const SMOKE_INPUT = { scenario_path_S3: 'base/', launcher_arg: {}, metadata: { user: 'smoke' } };

function deploy(sha: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    workspace: repo.workspace,
    eventName: 'push',
    sha,
    inputs: {
      'model-folder': 'quetzal-example',
      'ecr-repository': name,
      'lambda-function': name,
      bucket: name,
      steps: 'image,lambda,state-machine',
      'smoke-test': 'smoke-test.json',
      'smoke-timeout-minutes': '2',
      ...inputs,
    },
    env: account.env,
  });
}

/** The example's definition without its Authorization state: every task invokes the model's own function. */
function modelOnlyDefinition(): Record<string, unknown> {
  const definition = JSON.parse(fs.readFileSync(path.join(repo.model, 'step-functions.json'), 'utf8')) as { StartAt: string; States: Record<string, unknown> };
  delete definition.States.Authorization;
  definition.StartAt = 'Network';
  return definition;
}

function writeDefinition(definition: unknown): void {
  fs.writeFileSync(path.join(repo.model, 'step-functions.json'), `${JSON.stringify(definition, null, 2)}\n`);
}

async function lambdaImage(): Promise<string | undefined> {
  return (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Code?.ImageUri;
}

async function definitionNow(): Promise<string> {
  const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `arn:aws:states:${account.region}:${account.accountId}:stateMachine:${name}` }));
  return machine.definition ?? '';
}

/** The smoke run's execution ARN, as the log and the summary name it. */
function executionArnIn(text: string): string {
  const match = new RegExp(`arn:aws:states:${account.region}:${account.accountId}:execution:${name}:smoke-[A-Za-z0-9_-]+`).exec(text);
  assert.ok(match, `no execution ARN in:\n${text}`);
  return match[0];
}

before(async () => {
  account = await startLocalAccount();
  await account.provisionModel(name);
  lambda = new LambdaClient(account.sdkConfig);
  sfn = new SFNClient(account.sdkConfig);
  repo = modelRepo();
  fs.writeFileSync(path.join(repo.model, 'smoke-test.json'), `${JSON.stringify(SMOKE_INPUT, null, 2)}\n`);
});

after(async () => {
  lambda?.destroy();
  sfn?.destroy();
  await account?.stop();
});

describe('a smoke run that succeeds', () => {
  let run: ActionRun;
  before(async () => {
    writeDefinition(modelOnlyDefinition());
    run = await deploy(repo.commit('a model whose tasks call only its own function'));
  });

  it('passes, after an execution of the deployed state machine with the smoke-test file as input', async () => {
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    const executionArn = executionArnIn(run.summary);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    assert.equal(execution.status, 'SUCCEEDED');
    assert.equal(execution.stateMachineArn, `arn:aws:states:${account.region}:${account.accountId}:stateMachine:${name}`, 'the unqualified state machine');
    assert.deepEqual(JSON.parse(execution.input ?? ''), SMOKE_INPUT);
    assert.match(execution.name ?? '', /^smoke-[0-9a-f]{12}-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  });

  it('shows the smoke run and a table of its states in the summary', () => {
    assert.match(run.summary, /### smoke: passed/);
    assert.match(run.summary, /\| Status \| SUCCEEDED \|/);
    assert.match(run.summary, /^\| State \| Type \| Outcome \| Entered \| Seconds \| Error \|$/m);
    for (const state of ['Network', 'Assignment', 'Outputs']) {
      assert.match(run.summary, new RegExp(`^\\| \`${state}\` \\| Task \\| succeeded \\| 1 \\| \\d+\\.\\d \\|  \\|$`, 'm'));
    }
    assert.doesNotMatch(run.summary, /Authorization/);
  });
});

describe('a smoke run that fails', () => {
  let run: ActionRun;
  let imageBefore: string | undefined;
  let definitionBefore: string;
  before(async () => {
    imageBefore = await lambdaImage();
    definitionBefore = await definitionNow();
    // Assignment now reads a key the smoke-test input does not have: the execution fails there.
    const definition = modelOnlyDefinition() as { States: Record<string, { Parameters: { Payload: Record<string, string> } }> };
    definition.States.Assignment.Parameters.Payload['calibration.$'] = '$.calibration';
    writeDefinition(definition);
    run = await deploy(repo.commit('a definition the smoke run fails'));
  });

  it('fails the run, naming the execution, the state that failed, its error and cause', () => {
    assert.equal(run.exitCode, 1, run.stdout);
    const errors = errorMessages(run);
    assert.match(errors, new RegExp(`The smoke run ${executionArnIn(errors)} ended FAILED in state "Assignment": States\\.Runtime: `));
    assert.match(errors, /\$\.calibration/);
  });

  it('rolls the deploy back: the Lambda on its previous image, the state machine on its previous definition', async () => {
    assert.match(errorMessages(run), /rolled back/);
    assert.equal(await lambdaImage(), imageBefore);
    assert.equal(await definitionNow(), definitionBefore);
  });

  it('shows the failed smoke run and its states in the summary', () => {
    assert.match(run.summary, /### smoke: failed/);
    assert.match(run.summary, /\| Status \| FAILED \|/);
    assert.match(run.summary, /^\| `Network` \| Task \| succeeded \| 1 \|/m);
    assert.match(run.summary, /^\| `Assignment` \| Task \| \*\*failed\*\* \| 1 \| \d+\.\d \| States\.Runtime: /m);
    assert.doesNotMatch(run.summary, /`Outputs`/, 'never entered');
  });
});
