/**
 * The image step against a fake Docker engine (it records calls) and a small local registry that answers the
 * registry API v2 manifest requests the step makes (HEAD, GET, PUT), reached through the proxyEndpoint that ECR
 * GetAuthorizationToken (mocked) returns.
 */
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { DeployError } from '../../../src/ground/errors.ts';
import { ALL_STEPS, type StepName } from '../../../src/ground/step.ts';
import { ImageStep } from '../../../src/image/step.ts';
import { FakeDocker, type FakeDockerOptions } from '../../helpers/fake-docker.ts';
import { ACCOUNT, COMMIT, OLD_DIGEST, REPOSITORY_URI, stepContext, testPreflight, testSettings, testTarget } from '../../helpers/step-context.ts';

const REPOSITORY = 'quetzal-paris';
const GIT_TAG = 'v1.2.0';
const PASSWORD = 'registry-password';
const TOKEN = Buffer.from(`AWS:${PASSWORD}`).toString('base64');
const NOW = new Date('2025-01-02T03:04:05.000Z');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** A single-image manifest: 1 000 bytes of config and 5 000 of layers in the registry. */
const IMAGE = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 1000, digest: `sha256:${'1'.repeat(64)}` },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 2000, digest: `sha256:${'2'.repeat(64)}` },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 3000, digest: `sha256:${'3'.repeat(64)}` },
    ],
  }),
);
const INDEX = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, size: IMAGE.length, digest: sha256(IMAGE) }] }));

function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

interface Stored {
  body: Buffer;
  mediaType: string;
  digest: string;
}

interface Seen {
  method: string;
  /** repository:reference */
  manifest: string;
  authorization?: string;
  contentType?: string;
  body: Buffer;
}

/** The registry API v2 manifest endpoints, in memory: HEAD and GET by tag or digest, PUT by tag. */
class FakeRegistry {
  readonly requests: Seen[] = [];
  readonly #manifests = new Map<string, Stored>();
  #server?: Server;
  endpoint = '';

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(request.url ?? '');
        if (!match) {
          response.writeHead(404).end();
          return;
        }
        const manifest = `${match[1]}:${decodeURIComponent(match[2])}`;
        const body = Buffer.concat(chunks);
        this.requests.push({ method: request.method ?? '', manifest, authorization: request.headers.authorization, contentType: request.headers['content-type'], body });
        if (request.method === 'PUT') {
          const digest = this.store(match[1], decodeURIComponent(match[2]), body, request.headers['content-type'] ?? '');
          response.writeHead(201, { 'docker-content-digest': digest }).end();
          return;
        }
        const stored = this.#manifests.get(manifest);
        if (!stored) {
          response.writeHead(404, { 'content-type': 'application/json' }).end(request.method === 'HEAD' ? undefined : '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
          return;
        }
        response.writeHead(200, { 'content-type': stored.mediaType, 'docker-content-digest': stored.digest, 'content-length': stored.body.length });
        response.end(request.method === 'HEAD' ? undefined : stored.body);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  /** Puts a manifest under `tag` (and its digest); returns the digest. */
  store(repository: string, tag: string, body: Buffer, mediaType: string): string {
    const digest = sha256(body);
    const stored = { body, mediaType, digest };
    this.#manifests.set(`${repository}:${tag}`, stored);
    this.#manifests.set(`${repository}:${digest}`, stored);
    return digest;
  }

  reset(): void {
    this.#manifests.clear();
    this.requests.length = 0;
  }

  /** The requests by method, e.g. ['HEAD quetzal-paris:abc'] */
  get seen(): string[] {
    return this.requests.map((request) => `${request.method} ${request.manifest}`);
  }
}

const registry = new FakeRegistry();
const ecrMock = mockClient(ECRClient);
const folders: string[] = [];

before(() => registry.start());
after(async () => {
  await registry.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
beforeEach(() => {
  registry.reset();
  ecrMock.reset();
  ecrMock.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: TOKEN, proxyEndpoint: registry.endpoint }] });
});
afterEach(() => ecrMock.reset());

interface Setup {
  inputs?: Record<string, string>;
  selected?: readonly StepName[];
  mode?: 'plan' | 'deploy';
  docker?: FakeDockerOptions;
  /** Write the model's Dockerfile (default true). */
  dockerfile?: boolean;
}

/**
 * An image step with a fake Docker engine whose pushes store IMAGE in the registry, and its context: a model folder
 * with a Dockerfile in a fresh workspace, a push of tag ref GIT_TAG (tags COMMIT and GIT_TAG), an arm64 function.
 */
function setup({ inputs = {}, selected = ALL_STEPS, mode = 'deploy', docker: dockerOptions = {}, dockerfile = true }: Setup = {}) {
  const workspace = mkdtempSync(join(tmpdir(), 'image-step-'));
  folders.push(workspace);
  const modelDir = join(workspace, 'quetzal-paris');
  mkdirSync(modelDir);
  if (dockerfile) writeFileSync(join(modelDir, 'Dockerfile'), 'FROM public.ecr.aws/lambda/python:3.12\n');
  const docker = new FakeDocker({
    digest: sha256(IMAGE),
    onPush: (reference) => void registry.store(REPOSITORY, reference.slice(reference.lastIndexOf(':') + 1), IMAGE, OCI_MANIFEST),
    ...dockerOptions,
  });
  const base = testPreflight();
  const context = stepContext({
    mode,
    settings: testSettings(inputs, workspace),
    selected: new Set(selected),
    target: testTarget({ modelDir }),
    git: { sha: COMMIT, ref: `refs/tags/${GIT_TAG}`, repositoryUrl: 'https://github.com/example/quetzal-paris' },
    preflight: testPreflight({ function: { ...base.function!, architecture: 'arm64', platform: 'linux/arm64' } }),
  });
  return { step: new ImageStep({ docker, now: () => NOW }), context, docker, workspace, modelDir };
}

test('reuse: the tag is in the repository, so nothing is built or pushed; the missing git tag is added by a manifest PUT', async () => {
  const digest = registry.store(REPOSITORY, COMMIT, IMAGE, OCI_MANIFEST);
  const { step, context, docker } = setup();
  const plan = await step.plan(context);
  assert.equal(plan.action, 'reuse');
  assert.deepEqual(plan.tags, [COMMIT, GIT_TAG]);
  assert.deepEqual(plan.missingTags, [GIT_TAG]);
  assert.equal(plan.existingDigest, digest);
  assert.equal(plan.imageUri, `${REPOSITORY_URI}@${digest}`);
  assert.equal(step.report(plan).status, 'present, would add tags');
  assert.deepEqual(registry.seen, [`HEAD ${REPOSITORY}:${COMMIT}`, `HEAD ${REPOSITORY}:${GIT_TAG}`], 'the plan only looks the tags up');

  const outcome = await step.apply(plan, context);
  assert.deepEqual(docker.methods, [], 'no Docker at all: no login, build nor push');
  const puts = registry.requests.filter((request) => request.method === 'PUT');
  assert.equal(puts.length, 1);
  assert.equal(puts[0].manifest, `${REPOSITORY}:${GIT_TAG}`);
  assert.equal(puts[0].contentType, OCI_MANIFEST);
  assert.ok(puts[0].body.equals(IMAGE), 'the PUT carries the existing manifest byte for byte');
  assert.deepEqual(outcome, {
    repositoryUri: REPOSITORY_URI,
    tags: [COMMIT, GIT_TAG],
    digest,
    imageUri: `${REPOSITORY_URI}@${digest}`,
    built: false,
    layersPushed: 0,
    tagsAdded: [GIT_TAG],
    sizeBytes: 6000,
  });
  const report = step.report(plan, outcome);
  assert.equal(report.status, 'present, tags added');
  assert.deepEqual(report.outputs, { 'image-uri': `${REPOSITORY_URI}@${digest}`, 'image-digest': digest });
});

test('reuse with every tag present: no PUT, status unchanged; the registry is asked with the ECR token as HTTP Basic', async () => {
  const digest = registry.store(REPOSITORY, COMMIT, IMAGE, OCI_MANIFEST);
  registry.store(REPOSITORY, GIT_TAG, IMAGE, OCI_MANIFEST);
  const { step, context, docker } = setup();
  const plan = await step.plan(context);
  assert.deepEqual(plan.missingTags, []);
  assert.equal(step.report(plan).status, 'present, no build');
  const outcome = await step.apply(plan, context);
  assert.equal(outcome.digest, digest);
  assert.deepEqual(outcome.tagsAdded, []);
  assert.equal(step.report(plan, outcome).status, 'unchanged');
  assert.deepEqual(docker.methods, []);
  assert.equal(registry.requests.filter((request) => request.method === 'PUT').length, 0);
  assert.ok(registry.requests.every((request) => request.authorization === `Basic ${TOKEN}`));
  assert.deepEqual(ecrMock.commandCalls(GetAuthorizationTokenCommand).map((call) => call.args[0].input), [{ registryIds: [ACCOUNT] }], 'one token for plan and apply');
  assert.ok(context.logger.secrets.includes(PASSWORD) && context.logger.secrets.includes(TOKEN), 'the password and the token are masked');
});

test('build when the tag is absent: build args, labels and the function’s platform, then a push of every tag', async () => {
  const { step, context, docker, workspace, modelDir } = setup({ inputs: { 'build-args': 'EXTRA=1\nOTHER=two' } });
  const plan = await step.plan(context);
  assert.equal(plan.action, 'build');
  assert.equal(plan.reason, `tag ${COMMIT} is not in the repository`);
  assert.equal(plan.platform, 'linux/arm64');
  assert.equal(plan.imageUri, undefined, 'the digest is not known before the push');
  assert.deepEqual(plan.cacheFrom, [`${REPOSITORY_URI}@${OLD_DIGEST}`], 'the image the function runs is the build cache');
  assert.equal(step.report(plan).status, 'would build and push');

  const outcome = await step.apply(plan, context);
  const references = [`${REPOSITORY_URI}:${COMMIT}`, `${REPOSITORY_URI}:${GIT_TAG}`];
  assert.deepEqual(docker.methods, ['info', 'login', 'build', 'push', 'push', 'dispose']);
  assert.deepEqual(docker.argsOf('login'), [[registry.endpoint, 'AWS', PASSWORD]]);
  assert.deepEqual(docker.builds, [
    {
      context: workspace,
      dockerfile: join(modelDir, 'Dockerfile'),
      tags: references,
      buildArgs: { QUETZAL_MODEL_NAME: 'quetzal-paris', IMAGE_TAG: COMMIT, EXTRA: '1', OTHER: 'two' },
      labels: {
        'org.opencontainers.image.revision': COMMIT,
        'org.opencontainers.image.created': NOW.toISOString(),
        'org.opencontainers.image.source': 'https://github.com/example/quetzal-paris',
      },
      platform: 'linux/arm64',
      cacheFrom: [`${REPOSITORY_URI}@${OLD_DIGEST}`],
    },
  ]);
  assert.deepEqual(docker.argsOf('push'), references.map((reference) => [reference]));
  const digest = sha256(IMAGE);
  assert.deepEqual(outcome, {
    sizeBytes: 6000,
    repositoryUri: REPOSITORY_URI,
    tags: [COMMIT, GIT_TAG],
    digest,
    imageUri: `${REPOSITORY_URI}@${digest}`,
    built: true,
    layersPushed: 4,
    tagsAdded: [COMMIT, GIT_TAG],
  });
  assert.equal(step.report(plan, outcome).status, 'built and pushed');
  assert.ok(registry.seen.includes(`GET ${REPOSITORY}:${COMMIT}`), 'the pushed tag is read back from the registry');
});

test('force-build: the tag exists but is built and pushed again', async () => {
  const existing = registry.store(REPOSITORY, COMMIT, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] })), OCI_MANIFEST);
  const { step, context, docker } = setup({ inputs: { 'force-build': 'true' } });
  const plan = await step.plan(context);
  assert.equal(plan.action, 'build');
  assert.equal(plan.reason, `tag ${COMMIT} exists, rebuilding because force-build is true`);
  assert.equal(plan.existingDigest, existing);
  const outcome = await step.apply(plan, context);
  assert.equal(docker.builds.length, 1);
  assert.equal(docker.argsOf('push').length, 2);
  assert.equal(outcome.built, true);
  assert.equal(outcome.digest, sha256(IMAGE));
  assert.notEqual(outcome.digest, existing, 'the tag now points at the new build');
});

test('an image index under the tag is not reused (Lambda rejects it): the image is rebuilt', async () => {
  registry.store(REPOSITORY, COMMIT, INDEX, OCI_INDEX);
  const { step, context, docker } = setup();
  const plan = await step.plan(context);
  assert.equal(plan.action, 'build');
  assert.equal(plan.reason, `tag ${COMMIT} is an image index (${OCI_INDEX}), which Lambda rejects: rebuilding`);
  const outcome = await step.apply(plan, context);
  assert.equal(docker.builds.length, 1);
  assert.equal(outcome.digest, sha256(IMAGE));
});

test('a push that leaves an image index under the tag is refused, naming the build flags', async () => {
  const { step, context, docker } = setup({
    docker: {
      digest: sha256(INDEX),
      onPush: (reference) => void registry.store(REPOSITORY, reference.slice(reference.lastIndexOf(':') + 1), INDEX, OCI_INDEX),
    },
  });
  const plan = await step.plan(context);
  await assert.rejects(step.apply(plan, context), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.equal(error.message, `${REPOSITORY_URI}:${COMMIT} was pushed as an image index (${OCI_INDEX}); Lambda needs a single image manifest.`);
    assert.match(error.hint ?? '', /--provenance=false --sbom=false/);
    return true;
  });
  assert.equal(docker.methods.at(-1), 'dispose', 'the credentials are removed even when the step fails');
});

test('a push whose digest the registry does not show is refused', async () => {
  const { step, context } = setup({ docker: { onPush: () => {} } });
  await assert.rejects(step.apply(await step.plan(context), context), {
    name: 'DeployError',
    message: `The registry does not show ${REPOSITORY_URI}:${COMMIT} at ${sha256(IMAGE)} after the push.`,
  });
});

test('the Lambda alone: the image is planned (a lookup, never a build) and reused when the tag is there', async () => {
  const digest = registry.store(REPOSITORY, COMMIT, IMAGE, OCI_MANIFEST);
  const { step, context, docker } = setup({ selected: ['lambda'], inputs: { 'force-build': 'true' } });
  assert.equal(step.isPlanned(new Set<StepName>(['lambda'])), true);
  assert.equal(step.isPlanned(new Set<StepName>(['state-machine'])), false);
  const plan = await step.plan(context);
  assert.equal(plan.action, 'reuse', 'force-build does not apply without the image step');
  assert.equal(plan.imageUri, `${REPOSITORY_URI}@${digest}`);
  assert.deepEqual(docker.methods, []);
});

test('the Lambda alone with the tag absent: the plan fails naming the image, without asking Docker', async () => {
  const { step, context, docker } = setup({ selected: ['lambda', 'state-machine'] });
  await assert.rejects(step.plan(context), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.equal(error.message, `The Lambda step needs image ${REPOSITORY_URI}:${COMMIT}, which is not in the repository.`);
    assert.match(error.hint ?? '', /Add `image` to input `steps`.*`image-tag`/);
    return true;
  });
  assert.deepEqual(docker.methods, []);
  assert.deepEqual(registry.seen, [`HEAD ${REPOSITORY}:${COMMIT}`, `HEAD ${REPOSITORY}:${GIT_TAG}`]);
});

test('the Lambda alone with the tag an image index: the plan fails saying Lambda needs a single image manifest', async () => {
  registry.store(REPOSITORY, COMMIT, INDEX, OCI_INDEX);
  const { step, context, docker } = setup({ selected: ['lambda'] });
  await assert.rejects(step.plan(context), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.equal(error.message, `The Lambda step needs image ${REPOSITORY_URI}:${COMMIT}, which is an image index (${OCI_INDEX}): Lambda needs a single image manifest.`);
    return true;
  });
  assert.deepEqual(docker.methods, []);
});

test('deploy mode: the plan of a build asks the daemon (info) and nothing else; a daemon that does not answer fails the plan', async () => {
  const up = setup();
  await up.step.plan(up.context);
  assert.deepEqual(up.docker.methods, ['info']);
  assert.ok(registry.requests.every((request) => request.method === 'HEAD'), 'nothing written to the registry');

  registry.reset();
  const down = setup({ docker: { daemonDown: 'Cannot connect to the Docker daemon' } });
  await assert.rejects(down.step.plan(down.context), /The Docker daemon does not answer: Cannot connect to the Docker daemon\./);
  assert.deepEqual(down.docker.methods, ['info']);
  assert.ok(registry.requests.every((request) => request.method === 'HEAD'));
});

test('plan mode: a build is planned without asking Docker', async () => {
  const { step, context, docker } = setup({ mode: 'plan', docker: { daemonDown: 'no daemon' } });
  const plan = await step.plan(context);
  assert.equal(plan.action, 'build');
  assert.deepEqual(docker.methods, []);
});

test('a missing Dockerfile fails the plan, naming it and the input, before Docker is asked', async () => {
  const { step, context, docker, modelDir } = setup({ dockerfile: false });
  await assert.rejects(step.plan(context), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.equal(error.message, `The Dockerfile ${join(modelDir, 'Dockerfile')} does not exist.`);
    assert.equal(error.hint, 'Check input `dockerfile`.');
    return true;
  });
  assert.deepEqual(docker.methods, []);
});
