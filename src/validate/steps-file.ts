/**
 * steps.json, which the web app reads for both kinds of model (and an ECS model's task runs): a list of groups,
 * each with a `name` and its `steps`, each step with a `name` and the `path` of its notebook. Every finding is
 * positioned on its line, like the definition's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { Finding } from '../ground/findings.ts';
import { LineIndex } from '../ground/line-index.ts';
import { FolderListing, notebookProblem, type NotebookProblem } from './notebook-path.ts';
import { readAtMost } from './read-at-most.ts';

/** Far more than any model's steps (a few dozen lines each): past it the file is not read. */
export const MAX_STEPS_BYTES = 1024 * 1024;

export const EXAMPLE_STEPS = '[{"name": "default", "steps": [{"name": "step 1", "path": "notebooks/A10_step.ipynb"}]}]';

/**
 * The findings of the model's steps.json. A missing file is an error only when the model needs it (`required`:
 * an ECS model runs its steps from it); a link is left to the model-links check, which refuses it.
 */
export function checkStepsFile(file: string, modelFolder: string, required: boolean): Finding[] {
  const stats = fs.lstatSync(file, { throwIfNoEntry: false });
  if (stats === undefined || stats.isDirectory()) {
    return required ? [{ severity: 'error', rule: 'steps/missing', file, message: `No steps.json: an ECS model runs the notebooks its steps.json lists. Add one, e.g. ${EXAMPLE_STEPS}.` }] : [];
  }
  if (!stats.isFile()) return [];
  const descriptor = fs.openSync(file, 'r');
  let bytes: Buffer;
  try {
    bytes = readAtMost(descriptor, MAX_STEPS_BYTES);
  } finally {
    fs.closeSync(descriptor);
  }
  if (bytes.length > MAX_STEPS_BYTES) {
    return [{ severity: 'error', rule: 'steps/too-large', file, line: 1, column: 1, message: `steps.json is larger than ${MAX_STEPS_BYTES} bytes (1 MiB): it lists a model's steps, a few lines each. The action did not read it further.` }];
  }
  return new StepsChecker(file, modelFolder, bytes.toString('utf8').replace(/^\uFEFF/, '')).check();
}

class StepsChecker {
  readonly findings: Finding[] = [];
  readonly #file: string;
  readonly #modelFolder: string;
  readonly #text: string;
  readonly #lines: LineIndex;
  readonly #listing = new FolderListing();

  constructor(file: string, modelFolder: string, text: string) {
    this.#file = file;
    this.#modelFolder = modelFolder;
    this.#text = text;
    this.#lines = new LineIndex(text);
  }

  check(): Finding[] {
    const errors: ParseError[] = [];
    const root = parseTree(this.#text, errors, { disallowComments: true, allowTrailingComma: false });
    for (const error of errors.slice(0, 20)) this.#error('steps/json', error.offset, `steps.json is not JSON here (${printParseErrorCode(error.error)}): the web app cannot read it. Fix the syntax.`);
    if (errors.length > 0 || root === undefined) return this.findings;
    if (root.type !== 'array') {
      this.#error('steps/shape', root.offset, `steps.json must be a list of groups, e.g. ${EXAMPLE_STEPS}.`);
      return this.findings;
    }
    const groupNames = new Set<string>();
    for (const [index, group] of (root.children ?? []).entries()) this.#checkGroup(group, index + 1, groupNames);
    return this.findings;
  }

  #checkGroup(group: Node, number: number, groupNames: Set<string>): void {
    if (group.type !== 'object') {
      this.#error('steps/shape', group.offset, `Group ${number} of steps.json must be an object with a "name" and its "steps", e.g. ${EXAMPLE_STEPS}.`);
      return;
    }
    const name = this.#textField(group, 'name');
    if (name === undefined) this.#error('steps/shape', group.offset, `Group ${number} of steps.json has no "name" (a text, e.g. "default").`);
    else if (name !== null && groupNames.has(name.value)) this.#error('steps/duplicate', name.node.offset, `Two groups of steps.json are named "${name.value}": the web app shows one. Give each group its own name.`);
    else if (name !== null) groupNames.add(name.value);
    const label = name ? `group "${name.value}"` : `group ${number}`;
    const steps = field(group, 'steps');
    if (steps?.type !== 'array') {
      this.#error('steps/shape', (steps ?? group).offset, `The "steps" of ${label} in steps.json must be a list of steps, each with a "name" and a "path".`);
      return;
    }
    const stepNames = new Set<string>();
    for (const [index, step] of (steps.children ?? []).entries()) this.#checkStep(step, index + 1, label, stepNames);
  }

  #checkStep(step: Node, number: number, groupLabel: string, stepNames: Set<string>): void {
    if (step.type !== 'object') {
      this.#error('steps/shape', step.offset, `Step ${number} of ${groupLabel} in steps.json must be an object with a "name" and a "path".`);
      return;
    }
    const name = this.#textField(step, 'name');
    if (name === undefined) this.#error('steps/shape', step.offset, `Step ${number} of ${groupLabel} in steps.json has no "name" (a text, e.g. "step 1").`);
    else if (name !== null && stepNames.has(name.value)) this.#error('steps/duplicate', name.node.offset, `Two steps of ${groupLabel} in steps.json are named "${name.value}": give each step its own name.`);
    else if (name !== null) stepNames.add(name.value);
    const label = name ? `step "${name.value}"` : `step ${number}`;
    const notebook = this.#textField(step, 'path');
    if (notebook === null) return;
    if (notebook === undefined) {
      this.#error('steps/shape', step.offset, `${capitalized(label)} of ${groupLabel} in steps.json has no "path" (the notebook it runs, e.g. "notebooks/A10_step.ipynb").`);
      return;
    }
    const value = notebook.value;
    const { problem, full } = notebookProblem(value, this.#modelFolder, this.#listing);
    const messages: Record<NotebookProblem, string> = {
      'not-a-notebook': `The "path" of ${label} in steps.json is "${value}", which is not a notebook: name a .ipynb (or .py) file of the model folder.`,
      backslashes: `The "path" of ${label} in steps.json is "${value}", with backslashes: the model runs on Linux, which reads them as part of the name. Write "${value.replace(/\\/g, '/')}".`,
      outside: `The "path" of ${label} in steps.json is "${value}", which is outside the model folder: give a path relative to the model folder (e.g. "notebooks/A10_step.ipynb").`,
      missing: `Notebook "${value}" of ${label} in steps.json does not exist in the model folder (looked for ${path.relative(this.#modelFolder, full) || full}): fix "path" or add the notebook.`,
    };
    if (problem !== undefined) this.#error(problem === 'missing' ? 'steps/notebook-missing' : 'steps/notebook-path', notebook.node.offset, messages[problem]);
  }

  /** A field's text, with its node; undefined when absent; null when not a text (a finding says so). */
  #textField(object: Node, name: string): { value: string; node: Node } | null | undefined {
    const node = field(object, name);
    if (node === undefined) return undefined;
    if (node.type !== 'string' || typeof node.value !== 'string' || node.value.trim() === '') {
      this.#error('steps/shape', node.offset, `"${name}" in steps.json must be a text that is not empty.`);
      return null;
    }
    return { value: node.value, node };
  }

  #error(rule: string, offset: number, message: string): void {
    const { line, column } = this.#lines.position(offset);
    this.findings.push({ severity: 'error', rule, file: this.#file, line, column, message });
  }
}

function field(object: Node, name: string): Node | undefined {
  return object.children?.find((property) => property.children?.[0]?.value === name)?.children?.[1];
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
