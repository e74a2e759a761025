/**
 * The smoke run's execution input (input `smoke-test`): a JSON object, at most the 256 KiB Step Functions takes as
 * an execution input. Checked at validate time, so a pull request's check finds a broken file before a deploy
 * would start an execution with it; the smoke step reads the file through the same function (loadSmokeTest).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { Finding } from '../ground/findings.ts';
import { clip, printable } from '../ground/printable.ts';
import { firstTooDeep } from './definition/nesting.ts';
import { LineIndex } from './definition/report.ts';
import { readAtMost } from './read-at-most.ts';

/** StartExecution's limit on the input: 256 KiB of UTF-8. */
export const MAX_SMOKE_INPUT_BYTES = 256 * 1024;

/** The key the Quetzal web app gives every execution: the scenario's folder in the bucket. */
export const SCENARIO_KEY = 'scenario_path_S3';

export interface SmokeTestFile {
  /** The execution input, without a byte-order mark; undefined when the file cannot be used (see the findings). */
  text?: string;
  /** Errors (the file cannot be used) and warnings about it, positioned when they point inside it. */
  findings: Finding[];
}

/** The smoke-test file's findings: exists, is at most 256 KiB, is a JSON object, has `scenario_path_S3`. */
export function checkSmokeTest(file: string): Finding[] {
  return loadSmokeTest(file).findings;
}

/** Reads and checks the smoke-test file; it is sized before it is read, and never read past the limit. */
export function loadSmokeTest(file: string): SmokeTestFile {
  const name = path.basename(file);
  const problem = (rule: string, message: string, at: { line?: number; column?: number } = {}): SmokeTestFile => ({
    findings: [{ severity: 'error', rule, file, ...at, message }],
  });
  const read = readBounded(file, MAX_SMOKE_INPUT_BYTES);
  if (read.kind === 'missing') {
    return problem('smoke/missing', `No smoke-test file ${name}: input \`smoke-test\` names it. Add the execution input of the smoke run (a JSON object, as the Quetzal web app sends), or remove the input.`);
  }
  if (read.kind === 'not-a-file') {
    return problem('smoke/not-a-file', `${name} is not a regular file: input \`smoke-test\` must name a JSON file, the execution input of the smoke run.`);
  }
  if (read.kind === 'too-large') {
    return problem('smoke/too-large', `${name} is ${read.size}: Step Functions takes an execution input of at most ${MAX_SMOKE_INPUT_BYTES} bytes (256 KiB), so the action did not read it. Keep only what the smoke run needs (a small scenario).`);
  }

  const findings: Finding[] = [];
  let text = read.text;
  if (text.startsWith('\uFEFF')) {
    text = text.slice(1);
    findings.push({
      severity: 'warning',
      rule: 'smoke/byte-order-mark',
      file,
      line: 1,
      column: 1,
      message: `${name} starts with a byte-order mark (as Windows Notepad saves UTF-8), which is not JSON: the action leaves it out of the execution input; save the file as "UTF-8" without BOM.`,
    });
  }
  const lines = new LineIndex(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { findings: [...findings, syntaxFinding(file, text, lines, error as Error)] };
  }
  const start = Math.max(text.search(/\S/), 0);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    findings.push({
      severity: 'error',
      rule: 'smoke/not-an-object',
      file,
      ...lines.position(start),
      message: `${name} holds ${kind}: the execution input of the smoke run must be a JSON object, like {"${SCENARIO_KEY}": "base/", ...}.`,
    });
    return { findings };
  }
  const record = value as Record<string, unknown>;
  if (!Object.hasOwn(record, SCENARIO_KEY)) {
    findings.push({
      severity: 'warning',
      rule: 'smoke/no-scenario-path',
      file,
      ...lines.position(start),
      message: `${name} has no "${SCENARIO_KEY}": the Quetzal web app gives every execution the scenario's folder in the bucket, and a definition that reads $.${SCENARIO_KEY} fails without it. Add it (e.g. "${SCENARIO_KEY}": "base/").`,
    });
  } else if (typeof record[SCENARIO_KEY] !== 'string') {
    findings.push({
      severity: 'warning',
      rule: 'smoke/scenario-path-type',
      file,
      ...lines.position(offsetOfKey(text, SCENARIO_KEY) ?? start),
      message: `"${SCENARIO_KEY}" in ${name} is not a string: the Quetzal web app gives the scenario's folder in the bucket as a string (e.g. "base/").`,
    });
  }
  return { text, findings };
}

/**
 * The first syntax error, positioned by jsonc-parser (which recurses once per level: past MAX_JSON_DEPTH levels the
 * finding points at the bracket that goes too deep instead).
 */
function syntaxFinding(file: string, text: string, lines: LineIndex, error: Error): Finding {
  const name = path.basename(file);
  const finding = (offset: number, message: string): Finding => ({ severity: 'error', rule: 'smoke/json-syntax', file, ...lines.position(offset), message });
  if (text.trim() === '') return finding(0, `${name} is empty: write the execution input of the smoke run, a JSON object like {"${SCENARIO_KEY}": "base/"}.`);
  const tooDeep = firstTooDeep(text);
  if (tooDeep !== -1) {
    return finding(tooDeep, `${name} is not valid JSON (${clip(printable(error.message), 200)}), and nests too deep for the action to point at the mistake. Fix the JSON.`);
  }
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return finding(0, `${name} is not valid JSON: ${clip(printable(error.message), 200)}. Fix the JSON.`);
  const snippet = printable(text.slice(first.offset, first.offset + Math.min(first.length, 40)).trim());
  return finding(first.offset, `${name} is not valid JSON${snippet ? ` at "${snippet}"` : ''}: ${printParseErrorCode(first.error)}. Fix the JSON; the smoke run's input must be a JSON object.`);
}

/** Offset of a top-level key's value, when the text nests shallowly enough to build a tree. */
function offsetOfKey(text: string, key: string): number | undefined {
  if (firstTooDeep(text) !== -1) return undefined;
  const root: Node | undefined = parseTree(text);
  const property = root?.children?.find((child) => child.children?.[0]?.value === key);
  return property?.children?.[1]?.offset;
}

type BoundedRead =
  | { kind: 'text'; text: string }
  | { kind: 'missing' }
  | { kind: 'not-a-file' }
  | { kind: 'too-large'; size: string };

/**
 * A regular file's text, when it is at most `maxBytes`. A FIFO or a device is refused before it is opened (opening a
 * FIFO waits for a writer); at most `maxBytes + 1` bytes are read, whatever the file says its size is.
 */
function readBounded(file: string, maxBytes: number): BoundedRead {
  const stats = fs.statSync(file, { throwIfNoEntry: false });
  if (!stats) return { kind: 'missing' };
  if (!stats.isFile()) return { kind: 'not-a-file' };
  if (stats.size > maxBytes) return { kind: 'too-large', size: `${stats.size} bytes` };
  let descriptor: number;
  try {
    descriptor = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  try {
    const bytes = readAtMost(descriptor, maxBytes);
    if (bytes.length > maxBytes) return { kind: 'too-large', size: `more than ${maxBytes} bytes` };
    return { kind: 'text', text: bytes.toString('utf8') };
  } finally {
    fs.closeSync(descriptor);
  }
}
