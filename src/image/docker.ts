/**
 * Docker behind a small interface, driven through the docker CLI with spawn (never a shell).
 * Registry credentials go on stdin into a private, temporary DOCKER_CONFIG removed by dispose().
 *
 * Builders: `buildx` when the plugin is there; else `buildkit` (DOCKER_BUILDKIT=1, for CLIs before 23 that
 * embed BuildKit); else the `legacy` builder. BuildKit honours `<Dockerfile>.dockerignore` by itself; the legacy
 * builder reads only `<context>/.dockerignore`, so for it the model's ignore file is put there for the build
 * and the context's own file (if any) is restored afterwards.
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../ground/logger.ts';
import { RegistryClient, parseImageReference } from './registry.ts';
import { DeployError } from '../ground/step.ts';

export type Builder = 'buildx' | 'buildkit' | 'legacy';

export interface BuildRequest {
  context: string;
  dockerfile: string;
  /** Full references, e.g. 123.dkr.ecr.eu-west-1.amazonaws.com/repo:tag. */
  tags: string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** One platform, e.g. linux/amd64. */
  platform: string;
  /** Images to reuse as build cache (pulled first under the legacy builder; inline cache under BuildKit). */
  cacheFrom?: string[];
}

export interface BuildResult {
  imageId: string;
  builder: Builder;
}

export interface PushResult {
  digest: string;
  /** Layers uploaded (not already in the registry). */
  layersPushed: number;
}

export interface DockerEngine {
  /** Server and client versions; throws a DeployError when the daemon does not answer. */
  info(): Promise<{ serverVersion: string; clientVersion: string }>;
  hasBuildx(): Promise<boolean>;
  builder(): Promise<Builder>;
  /** Logs in with the password on stdin, into a private config. */
  login(registry: string, username: string, password: string): Promise<void>;
  /** Pulls an image; false (and a warning) when it cannot. */
  pull(reference: string): Promise<boolean>;
  build(request: BuildRequest): Promise<BuildResult>;
  push(reference: string): Promise<PushResult>;
  /** Digest of a tag in its registry (asked over the registry API), or undefined when absent. */
  remoteDigest(reference: string): Promise<string | undefined>;
  /** Removes the private config (credentials). Safe to call twice. */
  dispose(): Promise<void>;
}

export interface CliDockerOptions {
  /** The docker CLI to run (default `docker` on PATH). */
  command?: string;
  /** Environment of the CLI (default process.env); DOCKER_HOST etc. are taken from it. */
  env?: NodeJS.ProcessEnv;
  logger: Logger;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CliDockerEngine implements DockerEngine {
  readonly #command: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #logger: Logger;
  #configDir?: string;
  #builder?: Builder;
  #clientVersion?: string;
  readonly #credentials = new Map<string, { username: string; password: string }>();

  constructor(options: CliDockerOptions) {
    this.#command = options.command ?? 'docker';
    this.#env = options.env ?? process.env;
    this.#logger = options.logger;
  }

  async info(): Promise<{ serverVersion: string; clientVersion: string }> {
    const result = await this.#run(['version', '--format', '{{.Client.Version}}|{{.Server.Version}}'], {});
    const [clientVersion = '', serverVersion = ''] = result.stdout.trim().split('|');
    if (result.code !== 0 || !serverVersion || serverVersion === '<no value>') {
      throw new DeployError(
        `The Docker daemon does not answer: ${lastLine(result.stderr) || 'no server version'}.`,
        'The image step needs a running Docker engine (GitHub-hosted Ubuntu runners have one).',
      );
    }
    this.#clientVersion = clientVersion;
    return { serverVersion, clientVersion };
  }

  async hasBuildx(): Promise<boolean> {
    const result = await this.#run(['buildx', 'version'], {});
    return result.code === 0;
  }

  async builder(): Promise<Builder> {
    if (this.#builder) return this.#builder;
    if (await this.hasBuildx()) {
      this.#builder = 'buildx';
    } else {
      const clientVersion = this.#clientVersion ?? (await this.info()).clientVersion;
      const major = Number.parseInt(clientVersion, 10);
      // CLIs before 23.0 embed a BuildKit client (DOCKER_BUILDKIT=1); later ones need the buildx plugin.
      this.#builder = Number.isFinite(major) && major < 23 ? 'buildkit' : 'legacy';
    }
    return this.#builder;
  }

  async login(registry: string, username: string, password: string): Promise<void> {
    const configDir = await this.#privateConfig();
    const host = registry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    const result = await this.#run(['--config', configDir, 'login', '--username', username, '--password-stdin', host], {
      stdin: password,
    });
    if (result.code !== 0) {
      throw new DeployError(`docker login to ${host} failed: ${lastLine(result.stderr)}`);
    }
    this.#credentials.set(host, { username, password });
  }

  async pull(reference: string): Promise<boolean> {
    const result = await this.#run(this.#withConfig(['pull', '--quiet', reference]), {});
    if (result.code !== 0) {
      this.#logger.warning(`Could not pull ${reference} for the build cache: ${lastLine(result.stderr)}`);
      return false;
    }
    return true;
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const builder = await this.builder();
    const iidDir = await mkdtemp(join(tmpdir(), 'quetzal-iid-'));
    const iidFile = join(iidDir, 'image-id');
    const args = builder === 'buildx' ? ['buildx', 'build', '--load', '--provenance=false', '--sbom=false'] : ['build'];
    if (builder !== 'legacy') args.push('--progress=plain');
    args.push('--platform', request.platform, '-f', request.dockerfile, '--iidfile', iidFile);
    for (const tag of request.tags) args.push('--tag', tag);
    const buildArgs = { ...request.buildArgs };
    if (builder !== 'legacy') buildArgs.BUILDKIT_INLINE_CACHE = '1';
    for (const [name, value] of Object.entries(buildArgs)) args.push('--build-arg', `${name}=${value}`);
    for (const [name, value] of Object.entries(request.labels)) args.push('--label', `${name}=${value}`);
    const cacheFrom: string[] = [];
    for (const reference of request.cacheFrom ?? []) {
      if (builder !== 'legacy' || (await this.pull(reference))) cacheFrom.push(reference);
    }
    for (const reference of cacheFrom) args.push('--cache-from', reference);
    args.push(request.context);

    const env: Record<string, string> = builder === 'buildkit' ? { DOCKER_BUILDKIT: '1' } : builder === 'legacy' ? { DOCKER_BUILDKIT: '0' } : {};
    const restoreIgnoreFile =
      builder === 'legacy' ? await useIgnoreFileInContext(request.context, request.dockerfile, this.#logger) : undefined;
    try {
      this.#logger.info(`docker ${args.join(' ')}`);
      const result = await this.#run(this.#withConfig(args), { env, stream: true });
      if (result.code !== 0) {
        throw new DeployError(
          `docker build failed (exit ${result.code}): ${lastLine(result.stderr) || lastLine(result.stdout)}`,
          'The build log above shows the failing instruction.',
        );
      }
      const imageId = (await readFile(iidFile, 'utf8')).trim();
      return { imageId, builder };
    } finally {
      await restoreIgnoreFile?.();
      await rm(iidDir, { recursive: true, force: true });
    }
  }

  async push(reference: string): Promise<PushResult> {
    const result = await this.#run(this.#withConfig(['push', reference]), { stream: true });
    if (result.code !== 0) {
      throw new DeployError(`docker push ${reference} failed: ${lastLine(result.stderr) || lastLine(result.stdout)}`);
    }
    const match = /digest: (sha256:[0-9a-f]{64})/.exec(result.stdout);
    if (!match) throw new DeployError(`docker push ${reference} printed no digest.`);
    const layersPushed = result.stdout.split('\n').filter((line) => /: Pushed\s*$/.test(line)).length;
    return { digest: match[1], layersPushed };
  }

  async remoteDigest(reference: string): Promise<string | undefined> {
    const { registry, repository, tag, digest } = parseImageReference(reference);
    const credentials = this.#credentials.get(registry);
    if (!credentials) throw new Error(`remoteDigest(${reference}) needs a login to ${registry} first.`);
    const client = new RegistryClient({ endpoint: `https://${registry}`, ...credentials });
    return (await client.manifestInfo(repository, digest ?? tag ?? 'latest'))?.digest;
  }

  async dispose(): Promise<void> {
    const configDir = this.#configDir;
    this.#configDir = undefined;
    this.#credentials.clear();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  }

  /** A private DOCKER_CONFIG that still sees the user's CLI plugins and buildx builders. */
  async #privateConfig(): Promise<string> {
    if (this.#configDir) return this.#configDir;
    const configDir = await mkdtemp(join(tmpdir(), 'quetzal-docker-config-'));
    this.#configDir = configDir;
    const userConfig = this.#env.DOCKER_CONFIG || join(homedir(), '.docker');
    for (const shared of ['cli-plugins', 'buildx', 'contexts']) {
      if (await exists(join(userConfig, shared))) await symlink(join(userConfig, shared), join(configDir, shared));
    }
    return configDir;
  }

  #withConfig(args: string[]): string[] {
    return this.#configDir ? ['--config', this.#configDir, ...args] : args;
  }

  #run(args: string[], options: { stdin?: string; env?: Record<string, string>; stream?: boolean }): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.#command, args, {
        env: { ...this.#env, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      const forward = (chunk: string, pending: { text: string }): void => {
        if (!options.stream) return;
        pending.text += chunk;
        const lines = pending.text.split('\n');
        pending.text = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.#logger.info(line);
      };
      const pendingOut = { text: '' };
      const pendingErr = { text: '' };
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        forward(chunk, pendingOut);
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        forward(chunk, pendingErr);
      });
      child.on('error', (error) => {
        reject(
          new DeployError(`Cannot run ${this.#command}: ${error.message}`, 'Install the Docker CLI or fix PATH.', {
            cause: error,
          }),
        );
      });
      child.on('close', (code) => {
        for (const pending of [pendingOut, pendingErr]) if (options.stream && pending.text.trim()) this.#logger.info(pending.text);
        resolve({ code: code ?? 1, stdout, stderr });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(options.stdin ?? '');
    });
  }
}

/**
 * For the legacy builder: makes `<dockerfile>.dockerignore` the context's `.dockerignore` for the build.
 * Returns the function that puts things back (the context's own file, if it had one, is restored byte for byte).
 */
export async function useIgnoreFileInContext(
  context: string,
  dockerfile: string,
  logger: Logger,
): Promise<(() => Promise<void>) | undefined> {
  const ignoreFile = `${dockerfile}.dockerignore`;
  if (!(await exists(ignoreFile))) return undefined;
  const contextIgnore = join(context, '.dockerignore');
  const backup = join(context, `.dockerignore.quetzal-deploy-backup-${process.pid}`);
  const hadOwn = await exists(contextIgnore);
  if (hadOwn) await rename(contextIgnore, backup);
  await writeFile(contextIgnore, await readFile(ignoreFile));
  logger.info(`Legacy builder: using ${ignoreFile} as ${contextIgnore} for this build.`);
  return async () => {
    await rm(contextIgnore, { force: true });
    if (hadOwn) await rename(backup, contextIgnore);
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((line) => line.trim() !== '');
  return lines.at(-1)?.trim() ?? '';
}
