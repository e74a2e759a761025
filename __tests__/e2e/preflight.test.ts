/**
 * The preflight, proven end to end: each thing a deploy needs that is missing or wrong (a resource, the region,
 * the credentials, the Docker engine) stops the bundled action with a non-zero exit and a one-line error saying
 * what to do — before any write: no image pushed, the Lambda, the state machine and the bucket as they were.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { ActionRun } from '../helpers/action.ts';
import { runActionChild } from '../helpers/action-child.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo, type ModelRepo } from '../helpers/model-repo.ts';

let account: LocalAccount;
let repo: ModelRepo;
let s3: S3Client;
let lambda: LambdaClient;
let sfn: SFNClient;
let ecr: ECRClient;
const name = `qpre-${process.pid}`;

interface Case {
  what: string;
  inputs?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** The error names the problem... */
  error: RegExp;
  /** ...and says what to do. */
  todo: RegExp;
}

const noCredentials = (): Record<string, string | undefined> => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-aws-'));
  return {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_SHARED_CREDENTIALS_FILE: path.join(empty, 'credentials'),
    AWS_CONFIG_FILE: path.join(empty, 'config'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
};

const CASES: Case[] = [
  {
    what: 'a missing bucket',
    inputs: { bucket: `${name}-missing` },
    error: new RegExp(`S3 bucket ${name}-missing does not exist`),
    todo: /AWS_BUCKET_NAME|input `bucket`/,
  },
  {
    what: 'a missing Lambda function',
    // The state machine is named like the function unless named: name it, so that only the function is missing.
    inputs: { 'lambda-function': `${name}-missing`, 'state-machine': name },
    error: new RegExp(`Lambda function ${name}-missing does not exist in us-east-1`),
    todo: /AWS_LAMBDA_FUNCTION_NAME|input `lambda-function`/,
  },
  {
    what: 'a missing state machine',
    inputs: { 'state-machine': `${name}-missing` },
    error: new RegExp(`State machine ${name}-missing does not exist in us-east-1`),
    todo: /input `state-machine`/,
  },
  {
    what: 'a missing ECR repository',
    inputs: { 'ecr-repository': `${name}-missing` },
    error: new RegExp(`ECR repository ${name}-missing does not exist in us-east-1`),
    todo: /AWS_ECR_REPO_NAME|input `ecr-repository`/,
  },
  {
    what: 'a wrong region',
    inputs: { 'aws-region': 'eu-west-3' },
    error: /does not exist in eu-west-3/,
    todo: /aws-region|AWS_REGION/,
  },
  {
    what: 'no credentials',
    env: noCredentials(),
    error: /AWS credentials/,
    todo: /configure-aws-credentials/,
  },
  {
    what: 'no Docker engine',
    env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    error: /Docker daemon does not answer/,
    todo: /Docker engine|DOCKER_HOST/,
  },
];

function deploy(sha: string, testCase: Case): Promise<ActionRun> {
  return runActionChild({
    workspace: repo.workspace,
    eventName: 'push',
    sha,
    inputs: {
      'model-folder': 'quetzal-example',
      'ecr-repository': name,
      'lambda-function': name,
      bucket: name,
      scenarios: 'all',
      'lock-timeout-minutes': '0',
      ...testCase.inputs,
    },
    env: { ...account.env, ...testCase.env },
  });
}

/** Everything a deploy could write, read back from moto. */
async function snapshot(sha: string) {
  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  const machine = await sfn.send(
    new DescribeStateMachineCommand({ stateMachineArn: `arn:aws:states:${account.region}:${account.accountId}:stateMachine:${name}` }),
  );
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: name }));
  let images: string[] = [];
  try {
    const found = await ecr.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: sha }] }));
    images = (found.imageDetails ?? []).map((image) => image.imageDigest ?? '');
  } catch (error) {
    if ((error as Error).name !== 'ImageNotFoundException') throw error;
  }
  return {
    images,
    lambda: { image: fn.Code?.ImageUri, environment: fn.Configuration?.Environment?.Variables, modified: fn.Configuration?.LastModified },
    stateMachine: { definition: machine.definition, revision: machine.revisionId },
    objects: (listed.Contents ?? []).map((object) => `${object.Key} ${object.ETag}`).sort(),
  };
}

before(async () => {
  account = await startLocalAccount();
  await account.provisionModel(name);
  const config = account.sdkConfig;
  s3 = new S3Client(config);
  lambda = new LambdaClient(config);
  sfn = new SFNClient(config);
  ecr = new ECRClient(config);
  repo = modelRepo();
});

after(async () => {
  s3?.destroy();
  lambda?.destroy();
  sfn?.destroy();
  ecr?.destroy();
  await account?.stop();
});

describe('preflight: a non-zero exit, one line saying what to do, nothing written', () => {
  for (const testCase of CASES) {
    it(testCase.what, async (t) => {
      const sha = repo.commit(`deploy with ${testCase.what}`);
      const before = await snapshot(sha);
      assert.deepEqual(before.images, [], 'the commit has no image yet');
      const run = await deploy(sha, testCase);
      const failures = run.annotations.filter((annotation) => annotation.level === 'error');
      assert.notEqual(run.exitCode, 0);
      assert.equal(failures.length, 1, run.stdout);
      const [failure] = failures;
      t.diagnostic(failure.message);
      assert.match(failure.message, testCase.error);
      assert.match(failure.message, testCase.todo);
      assert.doesNotMatch(failure.message, /\n/, 'one line');
      assert.deepEqual(await snapshot(sha), before, 'no image pushed; Lambda, state machine and bucket untouched');
      assert.doesNotMatch(run.stdout, /Took the deploy lock/, 'stopped before the deploy lock, the first write');
    });
  }

  it('several problems are reported together, one line each', async () => {
    const sha = repo.commit('deploy with two missing resources');
    const before = await snapshot(sha);
    const run = await deploy(sha, { what: 'two', inputs: { 'lambda-function': `${name}-gone`, 'ecr-repository': `${name}-gone` }, error: /./, todo: /./ });
    assert.notEqual(run.exitCode, 0);
    const message = run.annotations.filter((annotation) => annotation.level === 'error').map((annotation) => annotation.message).join('\n');
    assert.match(message, new RegExp(`Lambda function ${name}-gone does not exist`));
    assert.match(message, new RegExp(`ECR repository ${name}-gone does not exist`));
    assert.deepEqual(await snapshot(sha), before);
  });
});
