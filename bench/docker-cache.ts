/**
 * Bench: a notebook-only rebuild on an empty Docker engine, as a hosted runner has (its build cache comes only from
 * the registry, through `--cache-from` the image the Lambda runs), against the cold build — for a cache-friendly
 * Dockerfile and for one that declares `ARG IMAGE_TAG` above its dependency install, with both builders.
 * The bundled action runs every build (`steps: image,lambda`), each on a dockerd of its own started empty.
 * Goal: cache-friendly rebuild ≤ 0.35 × cold, the dependency layer's digest unchanged.
 * Usage: npx node bench/docker-cache.ts [seconds the dependency install takes, default 6]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { runAction } from '../__tests__/helpers/action.ts';
import { startLocalAccount } from '../__tests__/helpers/local-account.ts';

const installSeconds = Number(process.argv[2] ?? 6);
const account = await startLocalAccount();
const registry = account.registryHost;
const BASE = `${registry}/bench-shell-base:busybox`;

let engines = 0;

/**
 * A dockerd of its own, empty, as a hosted runner's, with a bridge of its own (a RUN needs a network; no iptables,
 * no route out); stopped by its PID, its bridge removed.
 */
async function emptyEngine(): Promise<{ host: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync('/tmp/qdc-');
  const socket = join(dir, 'd.sock');
  engines += 1;
  const bridge = `qdc${process.pid % 1000}x${engines}`;
  execFileSync('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', `172.29.${engines % 250}.1/24`, 'dev', bridge]);
  execFileSync('ip', ['link', 'set', bridge, 'up']);
  const daemon = spawn('dockerd', [
    '--host', `unix://${socket}`, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'd.pid'),
    '--storage-driver', 'vfs', '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--bridge', bridge,
  ], { stdio: 'ignore' });
  const host = `unix://${socket}`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      execFileSync('docker', ['version'], { env: { ...process.env, DOCKER_HOST: host }, stdio: 'ignore' });
      break;
    } catch {
      if (attempt > 120) throw new Error('the bench dockerd did not start');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return {
    host,
    stop: async () => {
      const exited = new Promise((resolve) => daemon.once('exit', resolve));
      daemon.kill('SIGTERM');
      await exited;
      execFileSync('ip', ['link', 'del', bridge]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A base image with a shell (Docker Hub is unreachable): busybox-static imported, pushed to the registry. */
async function pushBase(): Promise<void> {
  const ecr = new ECRClient(account.sdkConfig);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'bench-shell-base' })).catch((error: Error) => {
    if (error.name !== 'RepositoryAlreadyExistsException') throw error;
  });
  ecr.destroy();
  const dir = mkdtempSync(join(tmpdir(), 'qdc-base-'));
  mkdirSync(join(dir, 'bin'));
  execFileSync('cp', ['/bin/busybox', join(dir, 'bin/busybox')]);
  for (const tool of ['sh', 'sleep', 'dd', 'cat', 'echo', 'mkdir']) execFileSync('ln', ['-s', 'busybox', join(dir, 'bin', tool)]);
  const docker = (...args: string[]) => execFileSync('docker', args, { env: { ...process.env, ...account.env }, encoding: 'utf8' });
  execFileSync('sh', ['-c', `tar -C ${dir} -c . | docker import - ${BASE}`], { env: { ...process.env, ...account.env }, stdio: 'ignore' });
  docker('push', BASE);
  rmSync(dir, { recursive: true, force: true });
}

const FRIENDLY = (seconds: number) => `FROM ${BASE}
ARG QUETZAL_MODEL_NAME
COPY \${QUETZAL_MODEL_NAME}/requirements.txt /app/
RUN sleep ${seconds} && dd if=/dev/urandom of=/app/site-packages bs=1M count=16 2>/dev/null
COPY \${QUETZAL_MODEL_NAME}/ /app/
ARG IMAGE_TAG
ENV IMAGE_TAG=\${IMAGE_TAG}
CMD ["/bin/sh"]
`;
const BUSTING = (seconds: number) => `FROM ${BASE}
ARG QUETZAL_MODEL_NAME
ARG IMAGE_TAG
ENV IMAGE_TAG=\${IMAGE_TAG}
COPY \${QUETZAL_MODEL_NAME}/requirements.txt /app/
RUN sleep ${seconds} && dd if=/dev/urandom of=/app/site-packages bs=1M count=16 2>/dev/null
COPY \${QUETZAL_MODEL_NAME}/ /app/
CMD ["/bin/sh"]
`;

/** A model repository with this Dockerfile, committed. */
function makeModel(name: string, dockerfile: string) {
  const workspace = mkdtempSync(join(tmpdir(), 'qdc-model-'));
  const model = join(workspace, name);
  mkdirSync(join(model, 'notebooks'), { recursive: true });
  writeFileSync(join(model, '.env'), `AWS_ECR_REPO_NAME=${name}\n`);
  writeFileSync(join(model, 'requirements.txt'), 'pandas==2.2\n');
  writeFileSync(join(model, 'notebooks/A10_model.ipynb'), '{"cells":[],"metadata":{},"nbformat":4,"nbformat_minor":5}');
  writeFileSync(join(model, 'Dockerfile'), dockerfile);
  writeFileSync(join(model, 'step-functions.json'), JSON.stringify({ StartAt: 'A10', States: { A10: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${LambdaFunctionArn}', Payload: { notebook_path: 'notebooks/A10_model.ipynb' } }, End: true } } }));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=b@example.com', '-c', 'user.name=bench', ...args], { cwd: model, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  return { workspace, model, commit };
}

/** One build by the bundled action on an empty engine: the image step's seconds and the dependency layer's digest. */
async function build(name: string, workspace: string, sha: string, buildkit: boolean): Promise<{ seconds: number; dependencyLayer: string; validateWarnings: string }> {
  const engine = await emptyEngine();
  try {
    const run = await runAction({
      workspace,
      sha,
      eventName: 'push',
      inputs: { 'model-folder': name, mode: 'deploy', steps: 'image,lambda' },
      env: { ...account.env, DOCKER_HOST: engine.host, DOCKER_BUILDKIT: buildkit ? '1' : '0' },
    });
    if (run.exitCode !== 0) throw new Error(`the deploy of ${name} failed:\n${run.stdout.slice(-3000)}`);
    const seconds = Number(/### image: [^\n]*\(([\d.]+) s\)/.exec(run.summary)?.[1]);
    const layers = JSON.parse(execFileSync('docker', ['image', 'inspect', run.outputs['image-uri'], '--format', '{{json .RootFS.Layers}}'], { env: { ...process.env, DOCKER_HOST: engine.host }, encoding: 'utf8' })) as string[];
    // base, requirements.txt, the install, the model folder: the install is the third layer.
    return { seconds, dependencyLayer: layers[2], validateWarnings: run.annotations.filter((annotation) => annotation.title?.startsWith('docker/')).map((annotation) => annotation.title).join(', ') || 'none' };
  } finally {
    await engine.stop();
  }
}

try {
  await pushBase();
  console.log(`dependency install: ${installSeconds} s (RUN sleep + 16 MiB written); each build on an empty dockerd, cache only from the registry`);
  console.log('| builder | Dockerfile | cold (s) | notebook-only rebuild (s) | rebuild/cold | dependency layer kept | warnings |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const buildkit of [true, false]) {
    for (const [label, dockerfile] of [['cache-friendly', FRIENDLY], ['ARG IMAGE_TAG above the RUN', BUSTING]] as const) {
      const name = `qdc-${randomBytes(3).toString('hex')}`;
      await account.provisionModel(name);
      const { workspace, model, commit } = makeModel(name, dockerfile(installSeconds));
      const cold = await build(name, workspace, commit('cold'), buildkit);
      writeFileSync(join(model, 'notebooks/A10_model.ipynb'), '{"cells":[{"cell_type":"code","source":["1"]}],"metadata":{},"nbformat":4,"nbformat_minor":5}');
      const rebuild = await build(name, workspace, commit('a notebook changes'), buildkit);
      console.log(`| ${buildkit ? 'BuildKit' : 'legacy'} | ${label} | ${cold.seconds.toFixed(1)} | ${rebuild.seconds.toFixed(1)} | ${(rebuild.seconds / cold.seconds).toFixed(2)} | ${rebuild.dependencyLayer === cold.dependencyLayer ? 'yes' : 'no'} | ${cold.validateWarnings} |`);
      rmSync(workspace, { recursive: true, force: true });
    }
  }
} finally {
  await account.stop();
}
