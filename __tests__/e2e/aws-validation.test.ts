/**
 * Step Functions judges the definition: an offline rule never blocks what AWS accepts, and AWS's own errors are
 * findings on their lines. The bundled action runs on the local account through a proxy that answers
 * ValidateStateMachineDefinition in AWS's place (moto does not implement it); everything else is moto's.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { runAction, type ActionRun } from '../helpers/action.ts';
import { startFaultProxy, type FaultProxy, type StandInAnswer } from '../helpers/fault-proxy.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo, type ModelRepo } from '../helpers/model-repo.ts';

const VALIDATE = 'AWSStepFunctions.ValidateStateMachineDefinition';
let account: LocalAccount;
let proxy: FaultProxy;
let sfn: SFNClient;
let repo: ModelRepo;
let definitionFile: string;
/** The example's definition as it is. */
let original: string;
/** What Step Functions answers ValidateStateMachineDefinition; by default what a role without the call gets. */
let awsSays: (input: { definition: string }) => StandInAnswer;
const ACCESS_DENIED: StandInAnswer = { status: 400, body: { __type: 'AccessDeniedException', message: 'User is not authorized to perform: states:ValidateStateMachineDefinition' } };
const name = `qawsv-${process.pid}`;

function run(inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    workspace: repo.workspace,
    eventName: 'push',
    sha: repo.commit(`a commit ${Math.random()}`),
    inputs: { 'model-folder': 'quetzal-example', 'ecr-repository': name, 'lambda-function': name, bucket: name, steps: 'image,lambda,state-machine', ...inputs },
    env: { ...account.env, AWS_ENDPOINT_URL: proxy.url },
  });
}

async function deployedDefinition(): Promise<string> {
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  const arn = stateMachines.find((machine) => machine.name === name)?.stateMachineArn;
  return (await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).definition ?? '';
}

/** The example's definition with a state the offline rules refuse (asl/unreachable) and, here, AWS accepts. */
function withUnreachableState(name = 'NeverRuns'): string {
  return original.replace('"States": {\n', `"States": {\n    "${name}": { "Type": "Pass", "End": true },\n`);
}

const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

before(async () => {
  account = await startLocalAccount();
  await account.provisionModel(name);
  proxy = await startFaultProxy({ target: account.endpointUrl, standIns: { [VALIDATE]: (input) => awsSays(input as { definition: string }) } });
  sfn = new SFNClient(account.sdkConfig);
  repo = modelRepo();
  definitionFile = path.join(repo.model, 'step-functions.json');
  original = fs.readFileSync(definitionFile, 'utf8');
});

beforeEach(() => {
  awsSays = () => ACCESS_DENIED;
});

after(async () => {
  sfn?.destroy();
  await proxy?.close();
  await account?.stop();
});

describe('an offline ASL error and Step Functions', () => {
  before(() => fs.writeFileSync(definitionFile, withUnreachableState()));
  after(() => fs.writeFileSync(definitionFile, original));

  it('is an error in validate mode, which asks no one', async () => {
    const validated = await run({ mode: 'validate' });
    assert.equal(validated.exitCode, 1);
    const finding = validated.annotations.find((annotation) => annotation.title === 'asl/unreachable');
    assert.equal(finding?.level, 'error');
  });

  it('becomes a warning, and the deploy goes on, when Step Functions says the definition is valid', async () => {
    let asked = '';
    awsSays = ({ definition }) => {
      asked = definition;
      return { body: { result: 'OK', diagnostics: [] } };
    };
    const deployed = await run();
    assert.equal(deployed.exitCode, 0, deployed.stdout);
    assert.match(asked, /NeverRuns/, 'AWS was asked about this very definition');
    const finding = deployed.annotations.find((annotation) => annotation.title === 'asl/unreachable');
    assert.equal(finding?.level, 'warning');
    assert.match(finding?.message ?? '', /AWS accepts this \(ValidateStateMachineDefinition\): the offline rule may be out of date; `ignore-rules: asl\/unreachable` silences it/);
    assert.equal(finding?.line, lineOf(withUnreachableState(), '"NeverRuns"'));
    assert.equal(deployed.outputs.errors, '0');
    assert.match(deployed.summary, /### state-machine: updated/);
    assert.match(await deployedDefinition(), /NeverRuns/);
  });

  it('stops the deploy before any write when Step Functions cannot be asked (a role without the call)', async () => {
    fs.writeFileSync(definitionFile, withUnreachableState('NeverRunsEither'));
    const before = await deployedDefinition();
    const stopped = await run();
    assert.equal(stopped.exitCode, 1);
    assert.match(stopped.stdout, /::error::.*Validation found 1 error in .*step-functions\.json, and Step Functions could not be asked whether it accepts the definition/);
    assert.equal(stopped.annotations.find((annotation) => annotation.title === 'asl/unreachable')?.level, 'error');
    assert.equal(await deployedDefinition(), before, 'nothing was written');
    assert.doesNotMatch(stopped.summary, /### (image|lambda): (built|updated)/);
  });

  it('is silenced in every mode by input ignore-rules', async () => {
    const validated = await run({ mode: 'validate', 'ignore-rules': 'asl/unreachable' });
    assert.equal(validated.exitCode, 0, validated.stdout);
    assert.equal(validated.annotations.find((annotation) => annotation.title === 'asl/unreachable'), undefined);
  });

  it('refuses an ignore-rules entry that is not a rule id', async () => {
    const refused = await run({ mode: 'validate', 'ignore-rules': 'asl/unreachable, unknown field' });
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stdout, /Input `ignore-rules` is .*which names "unknown field", not a rule id/);
  });
});

describe('an error only Step Functions finds', () => {
  it('is an error on the line its location names, with AWS\'s message, and nothing is written', async () => {
    const text = fs.readFileSync(definitionFile, 'utf8');
    awsSays = () => ({
      body: {
        result: 'FAIL',
        diagnostics: [{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: 'The value for the field \'IntervalSeconds\' must be smaller', location: '/States/Network/Retry/1/IntervalSeconds' }],
      },
    });
    const before = await deployedDefinition();
    const rejected = await run();
    assert.equal(rejected.exitCode, 1);
    const finding = rejected.annotations.find((annotation) => annotation.title === 'aws/schema-validation-failed');
    assert.equal(finding?.level, 'error', rejected.stdout);
    assert.equal(finding?.file, 'quetzal-example/step-functions.json');
    const network = text.indexOf('"Network"');
    const second = text.indexOf('"IntervalSeconds"', text.indexOf('"IntervalSeconds"', network) + 1);
    assert.equal(finding?.line, text.slice(0, second).split('\n').length);
    assert.match(finding?.message ?? '', /Step Functions rejects this: The value for the field 'IntervalSeconds' must be smaller \(at \/States\/Network\/Retry\/1\/IntervalSeconds\)/);
    assert.equal(rejected.outputs.errors, '1');
    assert.equal(await deployedDefinition(), before, 'nothing was written');
  });
});
