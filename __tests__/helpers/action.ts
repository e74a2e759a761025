/**
 * Runs the bundled action exactly as a GitHub runner does: `node dist/index.js` with inputs as INPUT_* variables,
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, an event file; then reads back annotations, outputs and summary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ACTION = path.join(ROOT, 'dist', 'index.js');
/** The CLI is the same bundle, started with arguments. */
export const CLI = ACTION;
/** Test fixtures: models as users write them. */
export const FIXTURES = path.join(ROOT, '__tests__', 'fixtures', 'models');

/** The environment of a pull-request check: no AWS credentials, and any AWS call would fail fast. */
export const NO_AWS = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_PROFILE: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
};

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  file?: string;
  line?: number;
  col?: number;
  title?: string;
  message: string;
}

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  annotations: Annotation[];
  outputs: Record<string, string>;
  summary: string;
  /** Commands like ::add-mask:: seen in stdout, for secret checks. */
  masks: string[];
}

export interface ActionRunOptions {
  workspace: string;
  inputs?: Record<string, string>;
  eventName?: string;
  event?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  sha?: string;
  ref?: string;
  /** The bundle to run (default: env QUETZAL_ACTION_DIST, else dist/index.js). */
  action?: string;
  /** TMPDIR of the action (default: inherited), so a test can tell which temporary folders it left behind. */
  tmpdir?: string;
}

/** A running action: tests that signal it, or watch its process tree, use the child. */
export interface ChildAction {
  child: ChildProcess;
  /** stdout so far (grows while the action runs). */
  stdout(): string;
  done: Promise<ActionRun>;
}

export function actionBundle(explicit?: string): string {
  return explicit ?? process.env.QUETZAL_ACTION_DIST ?? ACTION;
}

export function runAction(options: ActionRunOptions): Promise<ActionRun> {
  return startAction(options).done;
}

export function startAction(options: ActionRunOptions): ChildAction {
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
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
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

export function spawnNode(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
  });
}

/** The messages of a run's error annotations, one per line (what a failed run says went wrong). */
export function errorMessages(run: Pick<ActionRun, 'annotations'>): string {
  return run.annotations.filter((annotation) => annotation.level === 'error').map((annotation) => annotation.message).join('\n');
}

/** `::error file=a,line=1,col=2,title=t::message` lines, as the runner turns them into annotations. */
export function parseAnnotations(stdout: string): Annotation[] {
  const annotations: Annotation[] = [];
  for (const match of stdout.matchAll(/^::(error|warning|notice)(?: ([^:]*))?::(.*)$/gm)) {
    const properties = Object.fromEntries(
      (match[2] ?? '')
        .split(',')
        .filter(Boolean)
        .map((pair) => {
          const equals = pair.indexOf('=');
          return [pair.slice(0, equals), unescapeProperty(pair.slice(equals + 1))];
        }),
    );
    annotations.push({
      level: match[1] as Annotation['level'],
      file: properties.file,
      line: properties.line ? Number(properties.line) : undefined,
      col: properties.col ? Number(properties.col) : undefined,
      title: properties.title,
      message: unescapeData(match[3]),
    });
  }
  return annotations;
}

/** GITHUB_OUTPUT holds `name<<DELIMITER\nvalue\nDELIMITER` blocks. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const header = /^([^<]+)<<(.+)$/.exec(lines[index]);
    if (!header) continue;
    const value: string[] = [];
    for (index += 1; index < lines.length && lines[index] !== header[2]; index += 1) value.push(lines[index]);
    outputs[header[1]] = value.join('\n');
  }
  return outputs;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/** A throwaway copy of a model folder inside a fresh workspace, so that tests can edit it. */
export function copyModel(source: string, name = path.basename(source)): { workspace: string; model: string } {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'workspace-'));
  const model = path.join(workspace, name);
  fs.cpSync(source, model, { recursive: true });
  return { workspace, model };
}
