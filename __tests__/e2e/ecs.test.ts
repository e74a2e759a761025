/**
 * An ECS model end to end: the bundled action, as a runner runs it, against the local account, where the model has
 * what the backend's terraform makes (a cluster, a Fargate task-definition family `<model>-task` whose container
 * runs an image of the model's repository).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { runAction, type ActionRun } from '../helpers/action.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo, type ModelRepo } from '../helpers/model-repo.ts';

let account: LocalAccount;
let repo: ModelRepo;
let ecs: ECSClient;
let ecr: ECRClient;
let lambda: LambdaClient;
const name = `qecs-${process.pid}`;

function deploy(sha: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    workspace: repo.workspace,
    eventName: 'push',
    sha,
    inputs: { 'model-folder': 'quetzal-example', 'ecr-repository': name, bucket: name, 'ecs-cluster': name, ...inputs },
    env: account.env,
  });
}

async function latestRevision() {
  const { taskDefinition, tags } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${name}-task`, include: ['TAGS'] }));
  assert.ok(taskDefinition);
  return { ...taskDefinition, tags: tags ?? [] };
}

before(async () => {
  account = await startLocalAccount();
  await account.provisionModel(name);
  ecs = new ECSClient(account.sdkConfig);
  ecr = new ECRClient(account.sdkConfig);
  lambda = new LambdaClient(account.sdkConfig);
  repo = modelRepo();
  fs.rmSync(path.join(repo.model, 'step-functions.json'));
});

after(async () => {
  ecs?.destroy();
  ecr?.destroy();
  lambda?.destroy();
  await account?.stop();
});

describe('deploying an ECS model', () => {
  let sha: string;
  let first: ActionRun;
  let before: Awaited<ReturnType<typeof latestRevision>>;
  let lambdaImage: string | undefined;

  it('registers a revision whose model container runs the pushed digest, every other field kept', async () => {
    before = await latestRevision();
    lambdaImage = (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Code?.ImageUri;
    sha = repo.commit('an ECS model');
    first = await deploy(sha);
    assert.equal(first.exitCode, 0, first.stdout + first.stderr);
    assert.match(first.summary, /An \*\*ECS model\*\*/);
    assert.match(first.summary, /### ecs: registered revision 2/);
    assert.doesNotMatch(first.summary, /### lambda|### state-machine/);
    const after = await latestRevision();
    assert.equal(after.revision, before.revision! + 1);
    assert.equal(first.outputs['ecs-task-definition-arn'], after.taskDefinitionArn);
    const [container] = after.containerDefinitions ?? [];
    assert.equal(container.image, first.outputs['image-uri']);
    assert.match(container.image ?? '', /@sha256:[0-9a-f]{64}$/);
    const [old] = before.containerDefinitions ?? [];
    assert.deepEqual({ ...container, image: undefined }, { ...old, image: undefined }, 'the container keeps every other field');
    for (const field of ['cpu', 'memory', 'networkMode', 'requiresCompatibilities', 'executionRoleArn', 'taskRoleArn'] as const) {
      assert.deepEqual(after[field], before[field], field);
    }
    assert.deepEqual(after.tags.find((tag) => tag.key === 'terraform'), { key: 'terraform', value: 'true' }, 'terraform\'s tags are kept');
    assert.deepEqual(after.tags.find((tag) => tag.key === 'quetzal-deploy:commit'), { key: 'quetzal-deploy:commit', value: sha });
  });

  it('never touches the Lambda of an ECS model', async () => {
    assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Code?.ImageUri, lambdaImage);
  });

  it('registers nothing on a rerun of the same commit', async () => {
    const revision = (await latestRevision()).revision;
    const rerun = await deploy(sha);
    assert.equal(rerun.exitCode, 0, rerun.stdout);
    assert.match(rerun.summary, /### ecs: unchanged/);
    assert.equal((await latestRevision()).revision, revision);
  });

  it('stops before any write when the family does not exist: no image pushed', async () => {
    const next = repo.commit('another commit');
    const run = await deploy(next, { 'ecs-task-definition': `${name}-missing` });
    assert.equal(run.exitCode, 1);
    assert.match(run.stdout, new RegExp(`::error::Preflight failed, nothing was changed: ECS task definition family ${name}-missing does not exist`));
    await assert.rejects(ecr.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: next }] })), /ImageNotFound/);
  });

  it('refuses the Lambda steps for an ECS model', async () => {
    const run = await deploy(sha, { steps: 'image,lambda' });
    assert.equal(run.exitCode, 1);
    assert.match(run.stdout, /Input `steps` names lambda, and quetzal-example is an ECS model/);
  });
});

describe('a Lambda model', () => {
  it('never plans nor applies the ECS step, and leaves the task definition as it is', async () => {
    const lambdaRepo = modelRepo();
    const revision = (await latestRevision()).revision;
    const run = (mode: string, sha: string) => runAction({
      workspace: lambdaRepo.workspace,
      eventName: 'push',
      sha,
      inputs: { 'model-folder': 'quetzal-example', 'ecr-repository': name, 'lambda-function': name, bucket: name, mode, steps: 'image,lambda,state-machine' },
      env: account.env,
    });
    const sha = lambdaRepo.commit('a Lambda model');
    const plan = await run('plan', sha);
    assert.equal(plan.exitCode, 0, plan.stdout);
    assert.deepEqual((JSON.parse(plan.outputs.plan) as Array<{ step: string }>).map((entry) => entry.step), ['image', 'lambda', 'state-machine', 'scenarios']);
    const deployed = await run('deploy', sha);
    assert.equal(deployed.exitCode, 0, deployed.stdout);
    assert.match(deployed.summary, /### lambda: updated/);
    assert.doesNotMatch(deployed.summary, /### ecs/);
    assert.equal((await latestRevision()).revision, revision);
  });
});

describe('rolling an ECS model back', () => {
  it('makes the newest revision run the release\'s image again, and a plan of it writes nothing', async () => {
    const rollbackRepo = repo;
    const deployedBefore = await latestRevision();
    const first = deployedBefore.tags.find((tag) => tag.key === 'quetzal-deploy:commit')?.value ?? '';
    assert.match(first, /^[0-9a-f]{40}$/);
    const firstImage = deployedBefore.containerDefinitions?.[0].image;
    fs.writeFileSync(path.join(rollbackRepo.model, 'notebooks', 'transport', 'A10_network.ipynb'), '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}');
    const second = rollbackRepo.commit('a new image');
    const deployed = await deploy(second, { steps: 'image,ecs' });
    assert.equal(deployed.exitCode, 0, deployed.stdout);
    const newest = await latestRevision();
    assert.notEqual(newest.containerDefinitions?.[0].image, firstImage);

    const released = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${name}-task`, include: ['TAGS'] }))).tags?.find((tag) => tag.key === 'quetzal-deploy:commit')?.value;
    assert.equal(released, second);
    const plan = await deploy(second, { mode: 'plan', to: first.slice(0, 10) });
    assert.equal(plan.exitCode, 0, plan.stdout);
    assert.match(plan.summary, /### ecs: would register a revision/);
    assert.equal((await latestRevision()).revision, newest.revision, 'a plan writes nothing');

    const rollback = await deploy(second, { mode: 'rollback', to: first.slice(0, 10) });
    assert.equal(rollback.exitCode, 0, rollback.stdout);
    assert.match(rollback.summary, /rollback to `[0-9a-f]{10}`/);
    const after = await latestRevision();
    assert.equal(after.revision, newest.revision! + 1);
    assert.equal(after.containerDefinitions?.[0].image, firstImage);
    assert.equal(after.tags.find((tag) => tag.key === 'quetzal-deploy:commit')?.value, first, 'the revision is the release\'s again');
  });

  it('says which releases there are when it finds none', async () => {
    const run = await deploy(repo.git('rev-parse', 'HEAD'), { mode: 'rollback', to: 'v9.9.9' });
    assert.equal(run.exitCode, 1);
    assert.match(run.stdout, new RegExp(`No revision of ECS task definition ${name}-task is release v9\\.9\\.9`));
  });
});

describe('a Lambda model whose long steps run as ECS tasks', () => {
  const family = `${name}-task`;
  let lambdaRepo: ModelRepo;
  const run = (mode: string, sha: string) => runAction({
    workspace: lambdaRepo.workspace,
    eventName: 'push',
    sha,
    inputs: { 'model-folder': 'quetzal-example', 'ecr-repository': name, 'lambda-function': name, bucket: name, 'ecs-cluster': name, mode },
    env: account.env,
  });
  const deployedDefinition = async () => {
    const { SFNClient, DescribeStateMachineCommand, ListStateMachinesCommand } = await import('@aws-sdk/client-sfn');
    const sfn = new SFNClient(account.sdkConfig);
    try {
      const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
      const arn = stateMachines.find((machine) => machine.name === name)?.stateMachineArn;
      const { definition = '' } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
      return JSON.parse(definition) as { States: Record<string, { Parameters?: { TaskDefinition?: string } }> };
    } finally {
      sfn.destroy();
    }
  };

  before(() => {
    lambdaRepo = modelRepo();
    const file = path.join(lambdaRepo.model, 'step-functions.json');
    const definition = JSON.parse(fs.readFileSync(file, 'utf8')) as { States: Record<string, Record<string, unknown>> };
    const { Network } = definition.States;
    definition.States['Long step'] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      Parameters: { Cluster: name, LaunchType: 'FARGATE', TaskDefinition: family, Overrides: { ContainerOverrides: [{ Name: name, Command: ['python', 'main_ecs.py'] }] } },
      Next: Network.Next,
    };
    Network.Next = 'Long step';
    fs.writeFileSync(file, JSON.stringify(definition, null, 2));
  });

  it('plans the ECS step between the Lambda and the state machine, which would run the revision it registers', async () => {
    const plan = await run('plan', lambdaRepo.commit('long steps as ECS tasks'));
    assert.equal(plan.exitCode, 0, plan.stdout);
    const steps = JSON.parse(plan.outputs.plan) as Array<{ step: string; details: Record<string, string> }>;
    assert.deepEqual(steps.map((entry) => entry.step), ['image', 'lambda', 'ecs', 'state-machine', 'scenarios']);
    assert.equal(steps.find((entry) => entry.step === 'state-machine')?.details['Task definition run'], 'the revision the ECS step registers');
  });

  it('registers a revision running the image the Lambda runs, and the definition that goes out names it', async () => {
    const revision = (await latestRevision()).revision!;
    const deployed = await run('deploy', lambdaRepo.git('rev-parse', 'HEAD'));
    assert.equal(deployed.exitCode, 0, deployed.stdout);
    assert.match(deployed.summary, /### lambda: updated/);
    assert.match(deployed.summary, new RegExp(`### ecs: registered revision ${revision + 1}`));
    const latest = await latestRevision();
    assert.equal(latest.revision, revision + 1);
    assert.equal(deployed.outputs['ecs-task-definition-arn'], latest.taskDefinitionArn);
    assert.equal(latest.containerDefinitions?.[0].image, deployed.outputs['image-uri']);
    assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Code?.ImageUri, deployed.outputs['image-uri']);
    const definition = await deployedDefinition();
    assert.equal(definition.States['Long step'].Parameters?.TaskDefinition, latest.taskDefinitionArn, 'pinned to the new revision');
  });

  it('registers nothing and leaves the definition as it is on a rerun', async () => {
    const revision = (await latestRevision()).revision;
    const rerun = await run('deploy', lambdaRepo.git('rev-parse', 'HEAD'));
    assert.equal(rerun.exitCode, 0, rerun.stdout);
    assert.match(rerun.summary, /### ecs: unchanged/);
    assert.match(rerun.summary, /### state-machine: unchanged/);
    assert.equal((await latestRevision()).revision, revision);
  });
});
