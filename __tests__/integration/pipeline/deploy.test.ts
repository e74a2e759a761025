/**
 * The deploy steps against the local account: moto (AWS APIs), a private dockerd and the TLS "ECR" registry.
 * Each deploy runs in its own process (run-deploy-child.ts) with the account's environment, as on a runner.
 * One model is provisioned under a fresh name; the tests run in order on it (push, rerun, plan, tag release,
 * failed state machine update, legacy builder).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetFunctionCommand, GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startLocalAccount } from '../../helpers/local-account.ts';
import { startRefusingProxy } from '../../helpers/refusing-proxy.ts';
import type { LocalAccount } from '../../helpers/local-account.ts';
import type { ChildRequest } from './run-deploy-child.ts';

const run = promisify(execFile);
const NODE = join(import.meta.dirname, '../../../node_modules/.bin/node');
const CHILD = join(import.meta.dirname, 'run-deploy-child.ts');

let account: LocalAccount;
let lambda: LambdaClient;
let sfn: SFNClient;
let workspace: string;
let modelDir: string;
const name = `qzd-${randomBytes(3).toString('hex')}`;
const sha = (n: number) => `${n}`.repeat(40).slice(0, 40).replace(/./g, (c) => 'abcdef0123456789'[Number(c) % 16]);
const SHA1 = sha(1);
const SHA2 = sha(2);
const SHA3 = sha(3);
const CONTEXT_IGNORE = '# the workspace’s own ignore file, must survive the legacy builder\nsome-other-dir\n';

interface ChildResult {
  ok: boolean;
  name?: string;
  message?: string;
  reports: Array<{ step: string; status: string; details: Array<[string, string]>; outputs: Record<string, string>; markdown?: string }>;
  outputs: Record<string, string>;
  log: string[];
}

function deploy(mode: 'plan' | 'deploy', git: { sha: string; ref: string }, inputs: Record<string, string> = {}, extra: { env?: Record<string, string>; dockerCommand?: string; target?: Partial<ChildRequest['target']> } = {}): Promise<ChildResult> {
  const request: ChildRequest = {
    mode,
    target: { modelName: name, modelDir, repositoryName: name, functionName: name, stateMachine: name, bucketName: name, ...extra.target },
    inputs: { steps: 'image,lambda,state-machine', ...inputs },
    git: { ...git, repositoryUrl: 'https://github.com/quetzal/example' },
    definitionPath: join(modelDir, 'step-functions.json'),
    dockerCommand: extra.dockerCommand,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [CHILD, JSON.stringify(request)], { env: account.childEnv(extra.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', () => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as ChildResult);
      } catch {
        reject(new Error(`child printed no result.\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
  });
}

function report(result: ChildResult, step: string) {
  const found = result.reports.find((r) => r.step === step);
  assert.ok(found, `no report for ${step}: ${JSON.stringify(result)}`);
  return found;
}

/** The registry's answer for a manifest, asked with the test CA (HEAD, as the action does). */
function registryManifest(tag: string): Promise<{ status: number; digest?: string; mediaType?: string }> {
  const token = Buffer.from(`AWS:${account.env.LOCAL_ACCOUNT_ID}-auth-token`).toString('base64');
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: account.env.LOCAL_REGISTRY_IP,
        servername: account.registryHost,
        port: 443,
        method: 'HEAD',
        path: `/v2/${name}/manifests/${tag}`,
        ca: account.registryCa,
        headers: {
          host: account.registryHost,
          authorization: `Basic ${token}`,
          accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json',
        },
      },
      (response) => {
        response.resume();
        resolve({
          status: response.statusCode ?? 0,
          digest: response.headers['docker-content-digest'] as string | undefined,
          mediaType: response.headers['content-type'],
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { env: account.childEnv(), maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Files of an image as pulled from the registry (the local copy is removed first). */
async function imageFiles(reference: string): Promise<string[]> {
  await docker('image', 'rm', '--force', reference).catch(() => '');
  await docker('pull', '--quiet', reference);
  const container = (await docker('create', reference, '/none')).trim();
  try {
    const exported = join(workspace, `export-${container.slice(0, 12)}.tar`);
    await docker('export', '--output', exported, container);
    const { stdout } = await run('tar', ['-tf', exported], { maxBuffer: 16 * 1024 * 1024 });
    rmSync(exported);
    return stdout.split('\n').filter(Boolean);
  } finally {
    await docker('rm', container);
  }
}

async function functionState() {
  const output = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  return { imageUri: output.Code?.ImageUri, env: output.Configuration?.Environment?.Variables ?? {}, lastModified: output.Configuration?.LastModified };
}

async function deployedDefinition(): Promise<unknown> {
  const output = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `arn:aws:states:${account.region}:${account.accountId}:stateMachine:${name}` }));
  return JSON.parse(output.definition ?? '');
}

function writeDefinition(comment: string): void {
  writeFileSync(
    join(modelDir, 'step-functions.json'),
    JSON.stringify(
      {
        Comment: comment,
        StartAt: 'Step1',
        States: {
          Step1: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: '${LambdaFunctionArn}', Payload: { notebook_path: 'notebooks/a.ipynb', bucket: '${BucketName}' } },
            End: true,
          },
        },
      },
      null,
      2,
    ),
  );
}

before(async () => {
  account = await startLocalAccount();
  await account.provisionModel(name);
  const config = account.sdkConfig;
  lambda = new LambdaClient(config);
  sfn = new SFNClient(config);
  workspace = mkdtempSync(join(tmpdir(), 'quetzal-deploy-it-'));
  modelDir = join(workspace, name);
  mkdirSync(join(modelDir, 'notebooks'), { recursive: true });
  mkdirSync(join(modelDir, 'scenarios/base/inputs'), { recursive: true });
  writeFileSync(join(modelDir, 'notebooks/a.ipynb'), '{"cells": []}\n');
  writeFileSync(join(modelDir, 'scenarios/base/inputs/params.json'), '{"big": "scenario data"}\n');
  writeFileSync(join(modelDir, 'requirements.txt'), 'quetzal\n');
  // FROM scratch: no base image to pull. The build args land in files so that the test can read them back.
  writeFileSync(
    join(modelDir, 'Dockerfile'),
    ['FROM scratch', 'ARG QUETZAL_MODEL_NAME', 'ARG IMAGE_TAG', `COPY \${QUETZAL_MODEL_NAME}/ /var/task/\${QUETZAL_MODEL_NAME}/`, 'CMD ["/none"]', ''].join('\n'),
  );
  writeFileSync(join(modelDir, 'Dockerfile.dockerignore'), `**/*.pyc\n${name}/scenarios/*\n`);
  writeFileSync(join(workspace, '.dockerignore'), CONTEXT_IGNORE);
  writeDefinition('first');
});

after(async () => {
  lambda?.destroy();
  sfn?.destroy();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
  await account?.stop();
});

test('deploy on push: builds one single-manifest image without the ignored scenarios, moves the Lambda, updates the state machine', async () => {
  const before = await functionState();
  const result = await deploy('deploy', { sha: SHA1, ref: 'refs/heads/main' });
  assert.ok(result.ok, JSON.stringify(result, null, 2));
  assert.equal(report(result, 'image').status, 'built and pushed');
  assert.equal(report(result, 'lambda').status, 'updated');
  assert.equal(report(result, 'state-machine').status, 'updated');

  const digest = result.outputs['image-digest'];
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(result.outputs['image-uri'], `${account.registryHost}/${name}@${digest}`);
  const stored = await registryManifest(SHA1);
  assert.equal(stored.status, 200);
  assert.equal(stored.digest, digest);
  assert.equal(stored.mediaType, 'application/vnd.docker.distribution.manifest.v2+json', 'a plain image manifest, not an index');

  const files = await imageFiles(`${account.registryHost}/${name}@${digest}`);
  assert.ok(files.includes(`var/task/${name}/notebooks/a.ipynb`), files.join('\n'));
  assert.ok(files.includes(`var/task/${name}/Dockerfile`));
  assert.ok(!files.some((file) => file.includes('scenarios/base')), `ignored scenarios are in the image:\n${files.join('\n')}`);

  const labels = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Config.Labels}}', `${account.registryHost}/${name}@${digest}`));
  assert.equal(labels['org.opencontainers.image.revision'], SHA1);
  assert.equal(labels['org.opencontainers.image.source'], 'https://github.com/quetzal/example');
  assert.match(labels['org.opencontainers.image.created'], /^\d{4}-\d\d-\d\dT/);

  const after = await functionState();
  assert.notEqual(after.imageUri, before.imageUri);
  assert.equal(after.imageUri, `${account.registryHost}/${name}@${digest}`);
  assert.deepEqual(after.env, { ...before.env, IMAGE_TAG: SHA1 }, 'IMAGE_TAG added, BUCKET_NAME kept');

  const definition = (await deployedDefinition()) as { Comment: string; States: { Step1: { Parameters: { FunctionName: string; Payload: { bucket: string } } } } };
  assert.equal(definition.Comment, 'first');
  assert.match(result.outputs['lambda-version'], /^\d+$/);
  assert.equal(
    definition.States.Step1.Parameters.FunctionName,
    `arn:aws:lambda:${account.region}:${account.accountId}:function:${name}:${result.outputs['lambda-version']}`,
    'the definition calls the version this deploy published',
  );
  assert.equal(definition.States.Step1.Parameters.Payload.bucket, name);
  assert.equal(readFileSync(join(workspace, '.dockerignore'), 'utf8'), CONTEXT_IGNORE);
});

test('rerun of the same commit: nothing built, nothing pushed, nothing updated', async () => {
  const before = await functionState();
  const result = await deploy('deploy', { sha: SHA1, ref: 'refs/heads/main' });
  assert.ok(result.ok, JSON.stringify(result, null, 2));
  const image = report(result, 'image');
  assert.equal(image.status, 'unchanged');
  assert.deepEqual(Object.fromEntries(image.details)['Layers pushed'], '0');
  assert.ok(!result.log.some((line) => /^docker (buildx )?build/.test(line)), 'no docker build ran');
  assert.equal(report(result, 'lambda').status, 'unchanged');
  assert.equal(report(result, 'state-machine').status, 'unchanged');
  const after = await functionState();
  assert.equal(after.lastModified, before.lastModified, 'the function was not touched');
});

test('plan mode: reports what would change (new image, definition diff) and writes nothing', async () => {
  writeDefinition('second');
  const before = await functionState();
  const definitionBefore = await deployedDefinition();
  const result = await deploy('plan', { sha: SHA2, ref: 'refs/heads/main' });
  assert.ok(result.ok, JSON.stringify(result, null, 2));
  assert.equal(report(result, 'image').status, 'would build and push');
  assert.equal(report(result, 'lambda').status, 'would update');
  const machine = report(result, 'state-machine');
  assert.equal(machine.status, 'would update');
  assert.match(machine.markdown ?? '', /- \.Comment: "first"\n\+ \.Comment: "second"/);
  assert.equal((await registryManifest(SHA2)).status, 404, 'nothing pushed');
  assert.deepEqual(await functionState(), before);
  assert.deepEqual(await deployedDefinition(), definitionBefore);
  writeDefinition('first');
});

test('tag release of the deployed commit: no build, the git tag added, a Lambda version published and the alias moved', async () => {
  const result = await deploy('deploy', { sha: SHA1, ref: 'refs/tags/v1.0.0' }, { alias: 'live' });
  assert.ok(result.ok, JSON.stringify(result, null, 2));
  assert.equal(report(result, 'image').status, 'present, tags added');
  const digest = result.outputs['image-digest'];
  assert.equal((await registryManifest('v1.0.0')).digest, digest);
  const version = result.outputs['lambda-version'];
  assert.match(version, /^\d+$/);
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  assert.equal(alias.FunctionVersion, version);
  assert.match(result.outputs['state-machine-version-arn'] ?? '', new RegExp(`stateMachine:${name}:\\d+$`));
});

test('a failing state machine update rolls the Lambda back to its previous image', async () => {
  // A proxy in front of moto's Step Functions that refuses UpdateStateMachine (moto never refuses it).
  const proxy = await startRefusingProxy({
    target: account.endpointUrl,
    operation: 'UpdateStateMachine',
    error: { type: 'InvalidDefinition', message: 'Invalid State Machine Definition (refused by the test proxy)' },
  });
  try {
    writeDefinition('third');
    const before = await functionState();
    const result = await deploy(
      'deploy',
      { sha: SHA3, ref: 'refs/heads/main' },
      {},
      { env: { AWS_ENDPOINT_URL_SFN: proxy.url } },
    );
    assert.equal(result.ok, false);
    assert.match(result.message ?? '', /UpdateStateMachine on .* failed: InvalidDefinition \(HTTP 400\): Invalid State Machine Definition/);
    assert.match(result.message ?? '', new RegExp(`The Lambda function ${name} was rolled back: image back to ${before.imageUri?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; IMAGE_TAG back to ${SHA1}`));
    assert.equal(report(result, 'image').status, 'built and pushed');
    assert.equal(report(result, 'lambda').status, 'updated');
    const after = await functionState();
    assert.equal(after.imageUri, before.imageUri);
    assert.deepEqual(after.env, before.env);
    assert.deepEqual(((await deployedDefinition()) as { Comment: string }).Comment, 'first');
  } finally {
    await proxy.close();
    writeDefinition('first');
  }
});

test('the legacy builder (a docker CLI without buildx) honours Dockerfile.dockerignore too and restores the context', async () => {
  const sha4 = sha(4);
  const result = await deploy('deploy', { sha: sha4, ref: 'refs/heads/main' }, { steps: 'image' }, { dockerCommand: '/usr/local/bin/docker' });
  assert.ok(result.ok, JSON.stringify(result, null, 2));
  assert.ok(result.log.includes('Built with the legacy builder.'), result.log.join('\n'));
  const digest = result.outputs['image-digest'];
  const stored = await registryManifest(sha4);
  assert.equal(stored.digest, digest);
  assert.equal(stored.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  const files = await imageFiles(`${account.registryHost}/${name}@${digest}`);
  assert.ok(files.includes(`var/task/${name}/notebooks/a.ipynb`), files.join('\n'));
  assert.ok(!files.some((file) => file.includes('scenarios/base')), `ignored scenarios are in the image:\n${files.join('\n')}`);
  assert.equal(readFileSync(join(workspace, '.dockerignore'), 'utf8'), CONTEXT_IGNORE, 'the workspace .dockerignore is restored');
});

test('preflight: missing resources are reported together, and nothing is built, pushed or updated', async () => {
  const before = await functionState();
  const sha5 = sha(5);
  const result = await deploy('deploy', { sha: sha5, ref: 'refs/heads/main' }, {}, {
    target: { functionName: `${name}-missing`, stateMachine: `${name}-missing`, bucketName: `${name}-missing` },
  });
  assert.equal(result.ok, false);
  assert.match(result.message ?? '', /^Preflight failed, nothing was changed:/);
  assert.match(result.message ?? '', new RegExp(`Lambda function ${name}-missing does not exist in ${account.region}`));
  assert.match(result.message ?? '', new RegExp(`State machine ${name}-missing does not exist in ${account.region}`));
  assert.match(result.message ?? '', new RegExp(`S3 bucket ${name}-missing does not exist`));
  assert.equal((await registryManifest(sha5)).status, 404, 'nothing pushed');
  assert.deepEqual(await functionState(), before);
});
