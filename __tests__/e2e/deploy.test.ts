/**
 * `mode: deploy` and `mode: plan` end to end: the bundled action, as a runner runs it, against the local account
 * (moto for the AWS APIs, a private dockerd, a TLS registry at ECR's host name).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DescribeImagesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { GetAliasCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { S3Client } from '@aws-sdk/client-s3';
import { silentLogger } from '../../src/ground/logger.ts';
import { acquireDeployLock } from '../../src/lock/index.ts';
import { errorMessages, runAction, type ActionRun } from '../helpers/action.ts';
import { startRefusingProxy, type RefusingProxy } from '../helpers/refusing-proxy.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo, type ModelRepo } from '../helpers/model-repo.ts';

let account: LocalAccount;
let repo: ModelRepo;
let lambda: LambdaClient;
let sfn: SFNClient;
let ecr: ECRClient;
const name = `qe2e-${process.pid}`;

function deploy(inputs: Record<string, string>, options: { sha: string; ref?: string; env?: Record<string, string> }): Promise<ActionRun> {
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
    env: { ...account.env, ...options.env },
  });
}

async function lambdaNow() {
  const { Configuration, Code } = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  return { imageUri: Code?.ImageUri, env: Configuration?.Environment?.Variables ?? {}, lastModified: Configuration?.LastModified };
}

async function definitionNow(): Promise<string> {
  const machine = await sfn.send(new DescribeStateMachineCommand({
    stateMachineArn: `arn:aws:states:${account.region}:${account.accountId}:stateMachine:${name}`,
  }));
  return machine.definition ?? '';
}

async function imageTagExists(tag: string): Promise<boolean> {
  try {
    await ecr.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: tag }] }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ImageNotFoundException') return false;
    throw error;
  }
}


before(async () => {
  account = await startLocalAccount();
  await account.provisionModel(name);
  const config = account.sdkConfig;
  lambda = new LambdaClient(config);
  sfn = new SFNClient(config);
  ecr = new ECRClient(config);
  repo = modelRepo();
});

after(async () => {
  lambda?.destroy();
  sfn?.destroy();
  ecr?.destroy();
  await account?.stop();
});

describe('deploy on push', () => {
  let sha: string;
  let first: ActionRun;

  before(async () => {
    sha = repo.commit('first model');
    first = await deploy({}, { sha });
  });

  it('builds, pushes, points the Lambda at the digest and updates the state machine', async () => {
    assert.equal(first.exitCode, 0, first.stdout + first.stderr);
    const digest = first.outputs['image-digest'];
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(first.outputs['image-uri'], `${account.registryHost}/${name}@${digest}`);
    const fn = await lambdaNow();
    assert.equal(fn.imageUri, first.outputs['image-uri']);
    assert.equal(fn.env.IMAGE_TAG, sha);
    assert.equal(fn.env.BUCKET_NAME, name, 'the other variables are kept');
    assert.ok(await imageTagExists(sha));
  });

  it('deploys the definition with its placeholders filled', async () => {
    const definition = JSON.parse(await definitionNow());
    const text = JSON.stringify(definition);
    assert.doesNotMatch(text, /\$\{/);
    assert.match(text, new RegExp(`arn:aws:lambda:${account.region}:${account.accountId}:function:${name}`));
    assert.equal(first.outputs['state-machine-arn'], `arn:aws:states:${account.region}:${account.accountId}:stateMachine:${name}`);
  });

  it('writes a job summary with every step', () => {
    assert.match(first.summary, /### image: built and pushed/);
    assert.match(first.summary, /\| Size \(compressed\) \| \d+(\.\d)? (B|KiB|MiB) \|/);
    assert.match(first.summary, /### lambda: updated/);
    assert.match(first.summary, /### state-machine: updated/);
  });

  it('masks the registry password and never prints it', async () => {
    const token = await ecr.send(new GetAuthorizationTokenCommand({}));
    const password = Buffer.from(token.authorizationData?.[0]?.authorizationToken ?? '', 'base64').toString().split(':')[1];
    assert.ok(password);
    assert.ok(first.masks.includes(password), 'the password is masked with ::add-mask::');
    const printed = (first.stdout + first.stderr + first.summary).split(`::add-mask::${password}`).join('');
    assert.ok(!printed.includes(password), 'the password appears only in the add-mask command');
  });

  it('rebuilds and pushes nothing when the same commit is deployed again', async () => {
    const before = await lambdaNow();
    const rerun = await deploy({}, { sha });
    assert.equal(rerun.exitCode, 0, rerun.stdout);
    assert.match(rerun.summary, /### image: unchanged/);
    assert.doesNotMatch(rerun.stdout, /Pushed|exporting layers/);
    assert.match(rerun.summary, /### lambda: unchanged/);
    assert.match(rerun.summary, /### state-machine: unchanged/);
    assert.equal((await lambdaNow()).lastModified, before.lastModified);
    assert.equal(rerun.outputs['image-digest'], first.outputs['image-digest']);
  });
});

describe('plan mode', () => {
  it('says what would change and writes nothing', async () => {
    repo.git('commit', '-q', '--allow-empty', '-m', 'second');
    const sha = repo.git('rev-parse', 'HEAD');
    const before = await lambdaNow();
    const definitionBefore = await definitionNow();
    const plan = await deploy({ mode: 'plan' }, { sha });
    assert.equal(plan.exitCode, 0, plan.stdout);
    assert.match(plan.summary, /## Quetzal deploy — plan/);
    assert.match(plan.summary, /### image: would build and push/);
    assert.match(plan.summary, /### lambda: would update/);
    assert.equal(await imageTagExists(sha), false, 'no image pushed');
    const planned = JSON.parse(plan.outputs.plan) as Array<{ step: string; status: string }>;
    assert.deepEqual(planned.map((entry) => entry.step), ['image', 'lambda', 'state-machine', 'scenarios']);
    assert.equal(planned[0].status, 'would build and push');
    assert.match(plan.summary, new RegExp(`\\[open\\]\\(https://${account.region}\\.console\\.aws\\.amazon\\.com/lambda/home\\?region=${account.region}#/functions/${name}\\)`));
    assert.deepEqual(await lambdaNow(), before);
    assert.equal(await definitionNow(), definitionBefore);
  });
});

describe('a release on a tag', () => {
  it('publishes a Lambda version, moves the alias, and publishes a state machine version', async () => {
    const sha = repo.git('rev-parse', 'HEAD');
    const release = await deploy({ alias: 'live' }, { sha, ref: 'refs/tags/v1.0.0' });
    assert.equal(release.exitCode, 0, release.stdout);
    const version = release.outputs['lambda-version'];
    assert.match(version, /^\d+$/);
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
    assert.equal(alias.FunctionVersion, version);
    assert.match(release.outputs['state-machine-version-arn'], new RegExp(`stateMachine:${name}:\\d+$`));
    assert.ok(await imageTagExists('v1.0.0'), 'the git tag is pushed as an image tag');
  });
});

describe('a failing state machine update', () => {
  let proxy: RefusingProxy;
  before(async () => {
    // moto accepts any UpdateStateMachine: this proxy refuses it, as AWS refuses a definition it finds invalid.
    proxy = await startRefusingProxy({
      target: account.endpointUrl,
      operation: 'UpdateStateMachine',
      error: { type: 'InvalidDefinition', message: 'Invalid State Machine Definition' },
    });
  });
  after(() => proxy.close());

  it('rolls the Lambda back to its previous image and says so', async () => {
    const before = await lambdaNow();
    const definition = path.join(repo.model, 'step-functions.json');
    const text = fs.readFileSync(definition, 'utf8');
    fs.writeFileSync(definition, text.replace('"StartAt"', '"Comment": "a new version", "StartAt"'));
    const sha = repo.commit('a new image and a new definition');
    const run = await deploy({}, { sha, env: { AWS_ENDPOINT_URL_SFN: proxy.url } });
    assert.equal(run.exitCode, 1);
    assert.match(errorMessages(run), /InvalidDefinition/);
    assert.match(errorMessages(run), /rolled back/);
    const after = await lambdaNow();
    assert.equal(after.imageUri, before.imageUri);
    assert.equal(after.env.IMAGE_TAG, before.env.IMAGE_TAG);
    fs.writeFileSync(definition, text);
    repo.commit('back to the deployed definition');
  });
});

describe('two deploys at once', () => {
  it('fails clearly, naming the holder, when another deploy holds the lock and no wait is allowed', async () => {
    const s3 = new S3Client(account.sdkConfig);
    const other = await acquireDeployLock(
      s3,
      { bucket: name, owner: { runId: '4242-1', sha: 'f'.repeat(40), actor: 'octocat' }, ttlSeconds: 600, waitSeconds: 0 },
      silentLogger,
    );
    try {
      const before = await lambdaNow();
      repo.git('commit', '-q', '--allow-empty', '-m', 'while another deploy runs');
      const sha = repo.git('rev-parse', 'HEAD');
      const run = await deploy({ 'lock-timeout-minutes': '0' }, { sha });
      assert.equal(run.exitCode, 1);
      assert.match(errorMessages(run), /4242-1/);
      assert.match(errorMessages(run), /octocat/);
      assert.equal(await imageTagExists(sha), false, 'nothing pushed while the lock is held');
      assert.deepEqual(await lambdaNow(), before);
    } finally {
      await other.release();
      s3.destroy();
    }
  });
});

describe('preflight', () => {
  it('stops before any write when the Lambda function does not exist', async () => {
    repo.git('commit', '-q', '--allow-empty', '-m', 'fourth');
    const sha = repo.git('rev-parse', 'HEAD');
    const run = await deploy({ 'lambda-function': `${name}-missing` }, { sha });
    assert.equal(run.exitCode, 1);
    assert.match(errorMessages(run), new RegExp(`${name}-missing`));
    assert.equal(await imageTagExists(sha), false, 'nothing pushed');
  });
});
