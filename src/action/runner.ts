/**
 * The GitHub runner's protocol, as documented in "Workflow commands for GitHub Actions": inputs from INPUT_*
 * variables, `::command::` lines on stdout, outputs and the job summary appended to the files the runner names.
 *
 * Why not @actions/core: since v1.6 it bundles an HTTP client (undici) for OIDC tokens this action never asks for,
 * about 490 kB that every run would compile before validating a line — 70 ms of start-up per pull request measured
 * here (bench/validate.ts). What the action needs of the protocol is this file.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { outputLines } from '../ground/printable.ts';

export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export class Runner {
  readonly #env: NodeJS.ProcessEnv;
  readonly #write: (text: string) => void;

  constructor(env: NodeJS.ProcessEnv = process.env, write: (text: string) => void = (text) => process.stdout.write(text)) {
    this.#env = env;
    this.#write = write;
  }

  /** An input as the runner passes it (`with:`), trimmed; '' when not set. */
  getInput(name: string): string {
    return (this.#env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
  }

  /** Plain log lines: whatever the message holds, no line of it is read as a workflow command. */
  info(message: string): void {
    this.#write(outputLines(message).map((line) => `${line}${os.EOL}`).join(''));
  }

  debug(message: string): void {
    this.#command('debug', {}, message);
  }

  get isDebug(): boolean {
    return this.#env.RUNNER_DEBUG === '1';
  }

  annotate(level: AnnotationLevel, message: string, properties: AnnotationProperties = {}): void {
    this.#command(level, { title: properties.title, file: properties.file, line: properties.startLine, col: properties.startColumn }, message);
  }

  /** From now on the runner replaces `value` with *** wherever it would print it. */
  setSecret(value: string): void {
    // The value is the runner's to match as it is: only escaped, never neutralised.
    if (value !== '') this.#write(`::add-mask::${escapeData(value)}${os.EOL}`);
  }

  async group<T>(title: string, task: () => Promise<T>): Promise<T> {
    this.#command('group', {}, title);
    try {
      return await task();
    } finally {
      this.#command('endgroup', {}, '');
    }
  }

  setOutput(name: string, value: string): void {
    const file = this.#env.GITHUB_OUTPUT;
    if (!file) {
      this.info(`output ${name}=${value}`);
      return;
    }
    const delimiter = `ghadelimiter_${randomUUID()}`;
    if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`Output ${name} contains the delimiter.`);
    fs.appendFileSync(file, `${name}<<${delimiter}${os.EOL}${value}${os.EOL}${delimiter}${os.EOL}`, 'utf8');
  }

  /** Appends Markdown to the job summary (GITHUB_STEP_SUMMARY); without a runner, prints nothing. */
  appendSummary(markdown: string): void {
    const file = this.#env.GITHUB_STEP_SUMMARY;
    if (file) fs.appendFileSync(file, markdown, 'utf8');
  }

  setFailed(message: string): void {
    process.exitCode = 1;
    this.annotate('error', message);
  }

  /** A workflow command of the action's own; its texts are neutralised as log lines are, then escaped. */
  #command(command: string, properties: Record<string, string | number | undefined>, message: string): void {
    const given = Object.entries(properties).filter(([, value]) => value !== undefined && value !== '');
    const props = given.map(([key, value]) => `${key}=${escapeProperty(neutral(String(value)))}`).join(',');
    this.#write(`::${command}${props ? ` ${props}` : ''}::${escapeData(neutral(message))}${os.EOL}`);
  }
}

/** Control characters escaped and no `##[` left, as in a log line; line feeds are kept for `escapeData`. */
function neutral(text: string): string {
  return outputLines(text).join('\n');
}

/** Newlines and `%` in a command's message are escaped so one message stays one command. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values also escape `:` and `,`, which separate properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
