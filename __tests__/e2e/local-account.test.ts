// The local AWS account works as the deploy action's end-to-end tests need it: moto holds what terraform
// creates for a model, the private dockerd builds the model image, the registry under the ECR host name accepts
// a push with the ECR token and serves the manifest back, and moto's ECR and Lambda agree with that registry.
// Needs root, scripts/local-account/install.sh done, and nothing else on port 443 / 5123 / 5124.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { GetFunctionCommand, LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { REPO_ROOT, startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';

const MODEL = 'quetzal-example';
/** The AWS resources get a fresh name: the account may be shared with other test files and earlier runs. */
const NAME = `${MODEL}-${process.pid}`;
const EXAMPLE_DIR = join(REPO_ROOT, 'example');
const run = promisify(execFile);

let account: LocalAccount;
let clients: { s3: S3Client; ecr: ECRClient; lambda: LambdaClient; sfn: SFNClient };

function awsConfig() {
  return {
    endpoint: account.endpointUrl,
    region: account.region,
    credentials: { accessKeyId: account.env.AWS_ACCESS_KEY_ID, secretAccessKey: account.env.AWS_SECRET_ACCESS_KEY },
  };
}

/** Runs a command in the account's environment (Debian's docker CLI first on PATH, DOCKER_HOST, ...). */
async function sh(file: string, args: string[], options: { cwd?: string; stdin?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: options.cwd, env: account.childEnv() }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve(stdout);
    });
    child.stdin!.end(options.stdin ?? '');
  });
}

async function ecrPassword(): Promise<string> {
  const out = await clients.ecr.send(new GetAuthorizationTokenCommand({}));
  const decoded = Buffer.from(out.authorizationData![0].authorizationToken!, 'base64').toString('utf8');
  assert.match(decoded, /^AWS:/);
  return decoded.slice('AWS:'.length);
}

/** GET https://<registry>/v2/<repo>/manifests/<ref>, trusting only the local test CA. */
function fetchManifest(repository: string, reference: string, password: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: account.registryHost,
        port: 443,
        path: `/v2/${repository}/manifests/${reference}`,
        ca: account.registryCa,
        auth: `AWS:${password}`,
        headers: {
          accept: [
            'application/vnd.docker.distribution.manifest.v2+json',
            'application/vnd.docker.distribution.manifest.list.v2+json',
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.oci.image.index.v1+json',
          ].join(', '),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.on('error', reject);
    request.end();
  });
}

describe('local AWS account', () => {
  before(async () => {
    account = await startLocalAccount();
    clients = {
      s3: new S3Client({ ...awsConfig(), forcePathStyle: true }),
      ecr: new ECRClient(awsConfig()),
      lambda: new LambdaClient(awsConfig()),
      sfn: new SFNClient(awsConfig()),
    };
    await account.provisionModel(NAME);
  });

  after(async () => {
    await account?.stop();
  });

  test('the account is moto account 123456789012 in its region, behind the ECR host name moto hands out', async () => {
    assert.equal(account.accountId, '123456789012');
    assert.equal(account.registryHost, `${account.accountId}.dkr.ecr.${account.region}.amazonaws.com`);
    const token = await clients.ecr.send(new GetAuthorizationTokenCommand({}));
    assert.equal(token.authorizationData?.[0]?.proxyEndpoint, `https://${account.registryHost}`);
  });

  test('provisioning creates the bucket, repository, Lambda function and state machine terraform would', async () => {
    await clients.s3.send(new HeadBucketCommand({ Bucket: NAME }));

    const repos = await clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [NAME] }));
    assert.equal(repos.repositories?.[0]?.repositoryUri, `${account.registryHost}/${NAME}`);

    const fn = await clients.lambda.send(new GetFunctionCommand({ FunctionName: NAME }));
    assert.equal(fn.Configuration?.PackageType, 'Image');
    assert.deepEqual(fn.Configuration?.Architectures, ['x86_64']);
    assert.deepEqual(fn.Configuration?.Environment?.Variables, { BUCKET_NAME: NAME });
    assert.equal(fn.Code?.ImageUri, `${account.registryHost}/${NAME}:placeholder`);
    // The placeholder really was pushed: moto's ECR knows it, with the digest Lambda reports.
    const images = await clients.ecr.send(new DescribeImagesCommand({ repositoryName: NAME, imageIds: [{ imageTag: 'placeholder' }] }));
    assert.equal(images.imageDetails?.[0]?.imageDigest, `sha256:${fn.Configuration?.CodeSha256}`);

    const machineArn = `arn:aws:states:${account.region}:${account.accountId}:stateMachine:${NAME}`;
    const machine = await clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }));
    assert.equal(machine.name, NAME);
    assert.equal(JSON.parse(machine.definition!).StartAt, 'Placeholder');
  });

  test('provisioning again keeps what exists', async () => {
    const before = await clients.lambda.send(new GetFunctionCommand({ FunctionName: NAME }));
    await account.provisionModel(NAME);
    const again = await clients.lambda.send(new GetFunctionCommand({ FunctionName: NAME }));
    assert.equal(again.Configuration?.CodeSha256, before.Configuration?.CodeSha256);
  });

  test('the example model builds with the private dockerd from the folder above it, honouring Dockerfile.dockerignore', async () => {
    const tag = `${account.registryHost}/${NAME}:build-check`;
    await sh('docker', ['build', '--quiet', '-f', `${MODEL}/Dockerfile`, '--build-arg', `QUETZAL_MODEL_NAME=${MODEL}`, '--build-arg', 'IMAGE_TAG=build-check', '-t', tag, '.'], { cwd: EXAMPLE_DIR });
    const container = (await sh('docker', ['create', tag])).trim();
    try {
      const listing = await new Promise<string[]>((resolve, reject) => {
        const child = execFile('sh', ['-c', `docker export ${container} | tar -t`], { env: account.childEnv(), maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
          error ? reject(error) : resolve(stdout.split('\n')),
        );
        child.stdin!.end();
      });
      assert.ok(listing.includes(`var/task/${MODEL}/step-functions.json`));
      assert.ok(listing.includes(`var/task/${MODEL}/notebooks/transport/A10_network.ipynb`));
      assert.deepEqual(listing.filter((path) => path.startsWith(`var/task/${MODEL}/scenarios/`) && path !== `var/task/${MODEL}/scenarios/`), []);
    } finally {
      await sh('docker', ['rm', container]);
    }
    const env = JSON.parse(await sh('docker', ['image', 'inspect', tag, '--format', '{{json .Config.Env}}'])) as string[];
    assert.ok(env.includes(`QUETZAL_MODEL_NAME=${MODEL}`));
    assert.ok(env.includes('IMAGE_TAG=build-check'));
  });

  test('docker login refuses a wrong password, and accepts the ECR token (given on stdin)', async () => {
    // dockerd treats a registry on a loopback address as "insecure": after the 401 over TLS it retries plain
    // HTTP, so the CLI's message varies; the registry's own answer is the 401.
    await assert.rejects(
      sh('docker', ['login', '--username', 'AWS', '--password-stdin', account.registryHost], { stdin: 'not-the-token' }),
    );
    assert.equal((await fetchManifest(NAME, 'latest', 'not-the-token')).status, 401);
    const out = await sh('docker', ['login', '--username', 'AWS', '--password-stdin', account.registryHost], { stdin: await ecrPassword() });
    assert.match(out, /Login Succeeded/);
  });

  test('an image pushed to the registry comes back as a single manifest, and moto ECR and Lambda agree with it', async () => {
    const imageTag = `e2e-${Date.now()}`;
    const uri = `${account.registryHost}/${NAME}:${imageTag}`;
    await sh('docker', ['build', '--quiet', '-f', `${MODEL}/Dockerfile`, '--build-arg', `QUETZAL_MODEL_NAME=${MODEL}`, '--build-arg', `IMAGE_TAG=${imageTag}`, '-t', uri, '.'], { cwd: EXAMPLE_DIR });
    await sh('docker', ['login', '--username', 'AWS', '--password-stdin', account.registryHost], { stdin: await ecrPassword() });
    const pushed = await sh('docker', ['push', uri]);
    const pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
    assert.ok(pushedDigest, `docker push printed no digest:\n${pushed}`);

    const manifest = await fetchManifest(NAME, imageTag, await ecrPassword());
    assert.equal(manifest.status, 200, manifest.body);
    assert.equal(manifest.headers['docker-content-digest'], pushedDigest);
    const parsed = JSON.parse(manifest.body) as { mediaType?: string; manifests?: unknown; layers?: unknown[] };
    assert.equal(parsed.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(parsed.manifests, undefined, 'an image index, which Lambda rejects');
    assert.ok(Array.isArray(parsed.layers) && parsed.layers.length > 0);

    const described = await clients.ecr.send(new DescribeImagesCommand({ repositoryName: NAME, imageIds: [{ imageTag }] }));
    assert.equal(described.imageDetails?.[0]?.imageDigest, pushedDigest);

    const updated = await clients.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: NAME, ImageUri: uri }));
    assert.equal(`sha256:${updated.CodeSha256}`, pushedDigest);
    await assert.rejects(
      clients.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: NAME, ImageUri: `${account.registryHost}/${NAME}:never-pushed` })),
      { name: 'ImageNotFoundException' },
    );
  });

  test('a push to a repository moto ECR does not have is refused like ECR does (name unknown)', async () => {
    const uri = `${account.registryHost}/no-such-repository:v1`;
    await sh('docker', ['tag', `${account.registryHost}/${NAME}:build-check`, uri]);
    await sh('docker', ['login', '--username', 'AWS', '--password-stdin', account.registryHost], { stdin: await ecrPassword() });
    await assert.rejects(sh('docker', ['push', uri]), (error: { stderr: string }) =>
      /name unknown: The repository with name 'no-such-repository' does not exist/.test(error.stderr),
    );
  });

  test('stop leaves no process behind, and undoes the hosts entry, loopback address and CA', async (t) => {
    if (!account.owned) {
      t.skip('the account is shared (LOCAL_ACCOUNT_ENV or already running): its owner stops it');
      return;
    }
    const pidFiles = readdirSync(account.stateDir).filter((name) => name.endsWith('.pid') && name !== 'dockerd.daemon.pid');
    const pids = pidFiles.map((name) => Number(readFileSync(join(account.stateDir, name), 'utf8')));
    pids.push(Number(readFileSync(join(account.stateDir, 'exec/containerd/containerd.pid'), 'utf8')));
    assert.ok(pids.length >= 5, `expected moto, registry, registry-front, dockerd, containerd; found ${pidFiles.join(', ')}`);
    for (const pid of pids) assert.ok(isRunning(pid), `pid ${pid} should run before stop`);

    await account.stop();

    for (const pid of pids) assert.ok(!isRunning(pid), `pid ${pid} still runs after stop`);
    assert.deepEqual(processesMentioning(account.stateDir), []);
    assert.doesNotMatch(readFileSync('/etc/hosts', 'utf8'), new RegExp(account.registryHost.replaceAll('.', '\\.')));
    const { stdout: loopback } = await run('ip', ['-o', 'addr', 'show', 'dev', 'lo']);
    assert.ok(!loopback.includes(` ${account.env.LOCAL_REGISTRY_IP}/`), `${account.env.LOCAL_REGISTRY_IP} still on lo`);
    assert.ok(!existsSync(`/etc/docker/certs.d/${account.registryHost}`), 'the CA is still in /etc/docker/certs.d');
  });
});

/** Running = exists and is not a zombie waiting for PID 1 to reap it. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text) && isRunning(Number(entry))) found.push(`${entry}: ${cmdline}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}
