/**
 * What the sync benches share: a moto_server of their own, a timed child process (with when each log group
 * started), the bundled action run as a runner runs it (INPUT_* and GITHUB_* variables, GITHUB_OUTPUT), medians
 * and the action's phases from its group lines.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';

export const REGION = 'us-east-1';

/** The endpoint of a bench's moto_server on `port`, one of the benches' ports (5250-5259). */
export function benchEndpoint(port: number): string {
  if (!(port >= 5250 && port <= 5259)) throw new Error('--port must be within 5250-5259 (the benches\' ports)');
  return `http://127.0.0.1:${port}`;
}

/**
 * git as the benches run it: a bench author, data stored uncompressed (a tree of gigabytes commits and clones in
 * seconds) and no automatic gc (which would repack thousands of objects in the background, during a measurement).
 */
export function benchGit(env: NodeJS.ProcessEnv): (cwd: string, ...args: string[]) => Promise<string> {
  const gitEnv = { ...env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x' };
  const run = promisify(execFile);
  return async (cwd, ...args) => (await run('git', ['-c', 'core.compression=0', '-c', 'gc.auto=0', ...args], { cwd, env: gitEnv, maxBuffer: 1 << 26 })).stdout.trim();
}

/** The environment of every process a bench starts: this one's, without INPUT_*, GITHUB_* and AWS_*, and moto's keys. */
export function benchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('INPUT_') && !key.startsWith('GITHUB_') && !key.startsWith('AWS_')) env[key] = value;
  }
  return Object.assign(env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION });
}

/** The example model the sync benches copy, and where it is (run from the project root). */
export const BENCH_MODEL = 'quetzal-example';

/** What every sync bench sets up first: its moto endpoint on `port`, its environment, its git, the example model. */
export function benchSetup(port: number) {
  const env = benchEnv();
  return { endpoint: benchEndpoint(port), env, git: benchGit(env), model: BENCH_MODEL, example: resolve('example', BENCH_MODEL) };
}

export function pseudoRandom(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(String(seed)).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** CPU seconds (user + system) a running process has used so far, from /proc (Linux: clock ticks of 1/100 s). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface Moto {
  stop: () => Promise<void>;
  /** CPU seconds moto_server has used so far: what it spent on a case is the difference around it. */
  cpuSeconds: () => Promise<number>;
}

/** A moto_server of the bench's own on `port`. */
export async function startMoto(port: number): Promise<Moto> {
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  let up = false;
  for (let i = 0; i < 300 && !up; i += 1) {
    try {
      up = (await fetch(`${endpoint}/moto-api/`)).status < 500;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid!, 'SIGTERM');
    await exited;
  };
  if (!up) {
    await stop();
    throw new Error(`moto_server did not answer on ${endpoint}`);
  }
  return { stop, cpuSeconds: () => cpuSecondsOf(child.pid!) };
}

export interface Timed {
  seconds: number;
  stdout: string;
  /** Seconds from spawn to each `::group::` / `::endgroup::` line and to the end of output. */
  marks: Array<{ at: number; line: string }>;
}

/** Spawns a process, collecting its stdout and when each of its group lines arrived. */
export function timedProcess(command: string, commandArgs: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Timed> {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const child = spawn(command, commandArgs, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const marks: Timed['marks'] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      const at = (performance.now() - start) / 1000;
      const text = chunk.toString();
      stdout += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (marks.length === 0 || line.startsWith('::group::') || line.startsWith('::endgroup::')) marks.push({ at, line });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - start) / 1000;
      if (code !== 0) reject(new Error(`${command} ${commandArgs.join(' ')} exited with ${code}\n${stdout}\n${stderr}`));
      else resolvePromise({ seconds, stdout, marks });
    });
  });
}

let runnerCounter = 0;

/** One run of the bundled action (`<bundle>/index.js`) on a push, as a runner starts it; its outputs parsed. */
export async function runBundledAction(options: {
  bundle: string;
  env: NodeJS.ProcessEnv;
  endpoint: string;
  workspace: string;
  sha: string;
  event: Record<string, unknown>;
  inputs: Record<string, string>;
  /** Arguments before the script: node's (--cpu-prof), or a wrapper's, with `command`. */
  nodeArgs?: string[];
  /** Runs `command [...nodeArgs] node <bundle>/index.js` instead of node itself (e.g. /usr/bin/time). */
  command?: string[];
}): Promise<Timed & { outputs: Record<string, string> }> {
  runnerCounter += 1;
  const runnerTemp = await mkdtemp(join(tmpdir(), 'bench-runner-'));
  const files = { output: join(runnerTemp, 'output'), summary: join(runnerTemp, 'summary'), event: join(runnerTemp, 'event.json') };
  await writeFile(files.output, '');
  await writeFile(files.summary, '');
  await writeFile(files.event, JSON.stringify(options.event));
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    AWS_ENDPOINT_URL: options.endpoint,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SHA: options.sha,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REPOSITORY: 'quetzal/bench-model',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: String(1000 + runnerCounter),
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_TEMP: runnerTemp,
    ...Object.fromEntries(Object.entries(options.inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  };
  const [command, ...wrapper] = options.command ?? [process.execPath];
  const script = [...(options.command ? [process.execPath] : []), ...(options.nodeArgs ?? []), join(options.bundle, 'index.js')];
  try {
    const result = await timedProcess(command, [...wrapper, ...script], env, options.workspace);
    const outputs = parseOutputs(await readFile(files.output, 'utf8'));
    if (/^::error/m.test(result.stdout)) throw new Error(`the action reported an error:\n${result.stdout}`);
    return { ...result, outputs };
  } finally {
    await rm(runnerTemp, { recursive: true, force: true });
  }
}

/** GITHUB_OUTPUT's `name<<delimiter` blocks. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (!match) continue;
    const value: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== match[2]; i += 1) value.push(lines[i]);
    outputs[match[1]] = value.join('\n');
  }
  return outputs;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Phases of one action run, from its group lines: start-up (to the first line), then each group, then the end. */
export function phases(result: Timed): Record<string, number> {
  const out: Record<string, number> = {};
  if (result.marks.length === 0) return out;
  out['start-up (to first output)'] = result.marks[0].at;
  let previous = result.marks[0].at;
  let open: string | undefined;
  let seenGroup = false;
  for (const mark of result.marks.slice(1)) {
    const name = open ?? (seenGroup ? 'between groups' : 'validation, loading the deploy code (before Preflight)');
    seenGroup ||= mark.line.startsWith('::group::');
    out[name] = (out[name] ?? 0) + (mark.at - previous);
    previous = mark.at;
    open = mark.line.startsWith('::group::') ? mark.line.slice('::group::'.length) : undefined;
  }
  out['after the last group (outputs, summary, exit)'] = result.seconds - previous;
  return out;
}
