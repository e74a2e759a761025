/**
 * A Docker engine for tests: no daemon, no CLI. It records every call in order (method and arguments) and answers
 * a push with the digest it was given; `onPush` lets a test put the pushed manifest in its fake registry.
 */
import { DeployError } from '../../src/ground/errors.ts';
import type { BuildRequest, BuildResult, Builder, DockerEngine, PushResult } from '../../src/image/docker.ts';

export type DockerMethod = keyof DockerEngine;

export interface DockerCall {
  method: DockerMethod;
  args: unknown[];
}

export interface FakeDockerOptions {
  /** The digest every push reports (default sha256:ccc…). */
  digest?: string;
  /** Layers each push reports as uploaded (default 2). */
  layersPushed?: number;
  /** The builder the engine reports (default buildx). */
  builder?: Builder;
  /** When set, info() fails as a daemon that does not answer, with this reason. */
  daemonDown?: string;
  /** Called on each push, before it answers (e.g. to store the manifest in a fake registry). */
  onPush?: (reference: string, digest: string) => void | Promise<void>;
}

export const FAKE_DIGEST = `sha256:${'c'.repeat(64)}`;

export class FakeDocker implements DockerEngine {
  readonly calls: DockerCall[] = [];
  readonly #options: FakeDockerOptions;

  constructor(options: FakeDockerOptions = {}) {
    this.#options = options;
  }

  /** The methods called, in order. */
  get methods(): DockerMethod[] {
    return this.calls.map((call) => call.method);
  }

  /** The arguments of every call of `method`, in order. */
  argsOf(method: DockerMethod): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  /** The build requests, in order. */
  get builds(): BuildRequest[] {
    return this.argsOf('build').map(([request]) => request as BuildRequest);
  }

  async info(): Promise<{ serverVersion: string; clientVersion: string }> {
    this.#record('info');
    if (this.#options.daemonDown !== undefined) {
      throw new DeployError(`The Docker daemon does not answer: ${this.#options.daemonDown}.`, 'The image step needs a running Docker engine.');
    }
    return { serverVersion: '27.0.0', clientVersion: '27.0.0' };
  }

  async hasBuildx(): Promise<boolean> {
    this.#record('hasBuildx');
    return (this.#options.builder ?? 'buildx') === 'buildx';
  }

  async builder(): Promise<Builder> {
    this.#record('builder');
    return this.#options.builder ?? 'buildx';
  }

  async login(registry: string, username: string, password: string): Promise<void> {
    this.#record('login', registry, username, password);
  }

  async pull(reference: string): Promise<boolean> {
    this.#record('pull', reference);
    return true;
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    this.#record('build', structuredClone(request));
    return { imageId: `sha256:${'d'.repeat(64)}`, builder: this.#options.builder ?? 'buildx' };
  }

  async push(reference: string): Promise<PushResult> {
    this.#record('push', reference);
    const digest = this.#options.digest ?? FAKE_DIGEST;
    await this.#options.onPush?.(reference, digest);
    return { digest, layersPushed: this.#options.layersPushed ?? 2 };
  }

  async dispose(): Promise<void> {
    this.#record('dispose');
  }

  #record(method: DockerMethod, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }
}
