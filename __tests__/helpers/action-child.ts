/**
 * Like runAction (./action.ts), but hands back the running child process: tests that signal the action while it
 * runs, or watch its process tree, use this. The run is set up exactly as a GitHub runner does it (INPUT_*
 * variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, an event file, RUNNER_TEMP) and read back the same way.
 *
 *   const run = startAction({ workspace, inputs, env });
 *   run.child.kill('SIGTERM');
 *   const result = await run.done;
 *
 * `action` (or env QUETZAL_ACTION_DIST) runs another bundle than dist/index.js, e.g. one built into a private
 * folder with `npx ncc build src/index.ts -o /tmp/x -m --target es2022` while dist/ is being rebuilt.
 * `tmpdir` gives the action its own TMPDIR, so a test can tell which temporary folders the action left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACTION, parseAnnotations, parseOutputs, type ActionRun, type ActionRunOptions } from './action.ts';

export interface ChildActionOptions extends ActionRunOptions {
  /** The bundle to run (default: env QUETZAL_ACTION_DIST, else dist/index.js). */
  action?: string;
  /** TMPDIR of the action (default: inherited). */
  tmpdir?: string;
}

export interface ChildAction {
  child: ChildProcess;
  /** stdout so far (grows while the action runs). */
  stdout(): string;
  done: Promise<ActionRun>;
}

export function actionBundle(explicit?: string): string {
  return explicit ?? process.env.QUETZAL_ACTION_DIST ?? ACTION;
}

export function startAction(options: ChildActionOptions): ChildAction {
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'));
  const outputFile = path.join(runnerTemp, 'output');
  const summaryFile = path.join(runnerTemp, 'summary');
  const eventFile = path.join(runnerTemp, 'event.json');
  fs.writeFileSync(outputFile, '');
  fs.writeFileSync(summaryFile, '');
  fs.writeFileSync(eventFile, JSON.stringify(options.event ?? {}));

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('INPUT_') && !key.startsWith('GITHUB_')) env[key] = value;
  }
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    GITHUB_SHA: options.sha ?? 'a'.repeat(40),
    GITHUB_REF: options.ref ?? 'refs/heads/main',
    GITHUB_REPOSITORY: 'quetzal/test-model',
    GITHUB_SERVER_URL: 'https://github.com',
    RUNNER_TEMP: runnerTemp,
  });
  if (options.tmpdir) env.TMPDIR = options.tmpdir;
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }

  const child = spawn(process.execPath, [actionBundle(options.action)], { env, cwd: options.workspace, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<ActionRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const result: ActionRun = {
        exitCode: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : -1),
        stdout,
        stderr,
        annotations: parseAnnotations(stdout),
        outputs: parseOutputs(fs.readFileSync(outputFile, 'utf8')),
        summary: fs.readFileSync(summaryFile, 'utf8'),
        masks: [...stdout.matchAll(/^::add-mask::(.*)$/gm)].map((match) => match[1]),
      };
      fs.rmSync(runnerTemp, { recursive: true, force: true });
      resolve(result);
    });
  });
  return { child, stdout: () => stdout, done };
}

/** Runs the action to its end (startAction(...).done). */
export function runActionChild(options: ChildActionOptions): Promise<ActionRun> {
  return startAction(options).done;
}

/** PIDs of every descendant of `pid` (children, grandchildren, ...), read from /proc. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A process's arguments (/proc/<pid>/cmdline, NUL-separated), or undefined when it has ended. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg, index, all) => arg !== '' || index < all.length - 1);
  } catch {
    return undefined;
  }
}
