// Test helper: the local AWS account (moto_server + a private dockerd + the local "ECR" registry) that
// scripts/local-account/start.sh runs. See scripts/local-account/README.md.
//
//   const account = await startLocalAccount();          // once per process; reused when already running
//   await account.provisionModel('quetzal-example');    // what terraform creates for a model
//   spawn(node, ['dist/index.js'], { env: account.childEnv() });
//   await account.resetMoto();                           // empties moto (not the registry's blobs)
//   await account.stop();                                // only stops what this process started
//
// When LOCAL_ACCOUNT_ENV names an env file (written by start.sh, e.g. by .ci/run before `npm test`), the
// account it describes is reused and stop() leaves it running: its owner stops it.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'dotenv';

const run = promisify(execFile);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SCRIPTS_DIR = join(REPO_ROOT, 'scripts/local-account');
export const DEFAULT_STATE_DIR = join(REPO_ROOT, '.local-account');

export interface LocalAccount {
  /** The variables from STATE_DIR/env (PATH already expanded): AWS_ENDPOINT_URL, DOCKER_HOST, ... */
  readonly env: Readonly<Record<string, string>>;
  readonly stateDir: string;
  readonly endpointUrl: string;
  readonly region: string;
  readonly accountId: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com`, served over TLS by the local registry. */
  readonly registryHost: string;
  /** PEM of the test CA that signed the registry's certificate. */
  readonly registryCa: string;
  /** True when this process started the account (then stop() stops it). */
  readonly owned: boolean;
  /** Configuration for an AWS SDK client of the test's own, talking to this account. */
  readonly sdkConfig: { region: string; endpoint: string; forcePathStyle: true; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** The environment for a child process (`node dist/index.js`, `docker`): process.env plus the account's. */
  childEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** Creates what terraform creates for a model: bucket, repository, roles, Lambda (placeholder image), state machine. */
  provisionModel(name: string): Promise<void>;
  /** Empties moto (POST /moto-api/reset). Images already pushed stay in the registry's storage. */
  resetMoto(): Promise<void>;
  /** Stops the account if this process started it (stop.sh); otherwise does nothing. */
  stop(): Promise<void>;
}

/** Reads a STATE_DIR/env file (`export KEY=VALUE` lines) into variables, expanding `$PATH`. */
export function readEnvFile(path: string): Record<string, string> {
  const parsed = parse(readFileSync(path, 'utf8'));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    env[key] = value.replace(/\$PATH\b/g, process.env.PATH ?? '');
  }
  for (const key of ['AWS_ENDPOINT_URL', 'AWS_REGION', 'LOCAL_ACCOUNT_ID', 'LOCAL_REGISTRY_HOST', 'LOCAL_REGISTRY_CA', 'DOCKER_HOST']) {
    if (!env[key]) throw new Error(`${path}: ${key} is missing; was it written by scripts/local-account/start.sh?`);
  }
  return env;
}

async function motoAnswers(endpointUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpointUrl}/moto-api/config`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function makeAccount(envFile: string, owned: boolean): LocalAccount {
  const env = readEnvFile(envFile);
  const stateDir = env.LOCAL_ACCOUNT_STATE_DIR ?? dirname(envFile);
  let stopped = false;
  const account: LocalAccount = {
    env,
    stateDir,
    endpointUrl: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION,
    accountId: env.LOCAL_ACCOUNT_ID,
    registryHost: env.LOCAL_REGISTRY_HOST,
    registryCa: readFileSync(env.LOCAL_REGISTRY_CA, 'utf8'),
    owned,
    sdkConfig: {
      region: env.AWS_REGION,
      endpoint: env.AWS_ENDPOINT_URL,
      forcePathStyle: true,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'testing', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'testing' },
    },
    childEnv(extra = {}) {
      return { ...process.env, ...env, ...extra };
    },
    async provisionModel(name) {
      try {
        await run(join(SCRIPTS_DIR, 'provision.sh'), [name, stateDir], { env: account.childEnv() });
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr ?? '';
        throw new Error(`provision.sh ${name} failed: ${stderr.trim() || String(error)}`, { cause: error });
      }
    },
    async resetMoto() {
      const response = await fetch(`${env.AWS_ENDPOINT_URL}/moto-api/reset`, { method: 'POST' });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`POST ${env.AWS_ENDPOINT_URL}/moto-api/reset answered ${response.status}`);
    },
    async stop() {
      if (!owned || stopped) return;
      stopped = true;
      started = undefined;
      await run(join(SCRIPTS_DIR, 'stop.sh'), [stateDir]);
    },
  };
  return account;
}

let started: Promise<LocalAccount> | undefined;

/**
 * Starts the local account once per process (scripts/local-account/start.sh), or reuses a running one: the one
 * LOCAL_ACCOUNT_ENV points to, or one already answering in `stateDir`.
 */
export function startLocalAccount(options: { stateDir?: string } = {}): Promise<LocalAccount> {
  started ??= (async () => {
    const shared = process.env.LOCAL_ACCOUNT_ENV;
    if (shared) {
      if (!existsSync(shared)) throw new Error(`LOCAL_ACCOUNT_ENV=${shared}: no such file; run scripts/local-account/start.sh`);
      const account = makeAccount(shared, false);
      if (!(await motoAnswers(account.endpointUrl))) {
        throw new Error(`LOCAL_ACCOUNT_ENV=${shared}: moto does not answer at ${account.endpointUrl}; run scripts/local-account/start.sh`);
      }
      return account;
    }
    const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
    const envFile = join(stateDir, 'env');
    if (existsSync(envFile) && (await motoAnswers(readEnvFile(envFile).AWS_ENDPOINT_URL))) {
      // Someone else's running account: use it, leave it running. start.sh still checks every part answers.
      await run(join(SCRIPTS_DIR, 'start.sh'), [stateDir]);
      return makeAccount(envFile, false);
    }
    try {
      await run(join(SCRIPTS_DIR, 'start.sh'), [stateDir]);
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`scripts/local-account/start.sh failed: ${stderr.trim() || String(error)}`, { cause: error });
    }
    return makeAccount(envFile, true);
  })();
  started.catch(() => {
    started = undefined;
  });
  return started;
}
