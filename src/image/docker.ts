/**
 * Docker behind a small interface, driven through the docker CLI with spawn (never a shell; nothing it
 * prints reaches the log but through the logger).
 * Registry credentials go on stdin into a private, temporary DOCKER_CONFIG removed by dispose().
 *
 * Builders: `buildx` when the plugin is there; else `buildkit` (DOCKER_BUILDKIT=1, for CLIs before 23 that
 * embed BuildKit); else the `legacy` builder. BuildKit honours `<Dockerfile>.dockerignore` by itself; the legacy
 * builder reads only `<context>/.dockerignore`, so for it the model's ignore file is put there for the build
 * and the context's own file (if any) is restored afterwards.
 */
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../ground/logger.ts';
import { DeployError } from '../ground/errors.ts';

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

interface CommandResult {
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

  async dispose(): Promise<void> {
    const configDir = this.#configDir;
    this.#configDir = undefined;
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

  /**
   * Runs the CLI (never through a shell), its password (if any) on stdin; with `stream`, each line it prints is
   * logged as it comes. Standard input is always closed at once, so a command that reads it (docker login, a wrapper
   * script) gets EOF instead of waiting; a CLI that exits before reading it is not an error (EPIPE is ignored).
   * Not @actions/exec: it gives no hold on the child's standard input, so that EPIPE would crash the run.
   */
  #run(args: string[], options: { stdin?: string; env?: Record<string, string>; stream?: boolean }): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.#command, args, { env: { ...this.#env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const [out, err] = options.stream ? [lineForwarder(this.#logger), lineForwarder(this.#logger)] : [];
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        stdout.push(chunk);
        out?.write(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr.push(chunk);
        err?.write(chunk);
      });
      child.on('error', (error) => {
        reject(new DeployError(`Cannot run ${this.#command}: ${error.message}`, 'Install the Docker CLI or fix PATH.', { cause: error }));
      });
      child.on('close', (code) => {
        out?.end();
        err?.end();
        // A CLI killed by a signal has no exit code.
        resolve({ code: code ?? 1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(options.stdin ?? '');
    });
  }
}

/** Logs a stream's lines as they are completed (blank ones skipped); `end` logs the last, unended one. */
function lineForwarder(logger: Logger): { write: (chunk: Buffer) => void; end: () => void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const log = (line: string): void => {
    if (line.trim()) logger.info(line);
  };
  return {
    write: (chunk) => {
      const lines = (pending + decoder.write(chunk)).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(log);
    },
    end: () => {
      log(pending + decoder.end());
      pending = '';
    },
  };
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
