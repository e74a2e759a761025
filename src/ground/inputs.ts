/**
 * The one input dialect. Inputs are read through a getter so that the Action (core.getInput) and the CLI (flags and
 * environment) share one parser; the getter returns '' for an input that is not set, and '' means the default.
 *
 * Every refusal is an InputError in one format, naming the input, showing what was given and saying what to write:
 *   Input `rollback` is "yes": use true or false.
 *   Input `model-folder` is "../x", which is outside the workspace /w (it resolves to /x): give a path inside …
 */
import { InputError } from './errors.ts';
import { clip, printable } from './printable.ts';

export type InputGetter = (name: string) => string;

/** The longest part of a value a message shows (inputs come from the repository: any length, any character). */
const SHOWN_LENGTH = 200;

/** An input's value in a message: quoted, escaped (no control or bidirectional character), at most 200 characters. */
export function quoted(value: string): string {
  return printable(JSON.stringify(clip(value, SHOWN_LENGTH)));
}

/**
 * The one message format: ``Input `name` is "value"[, which problem]: fix.`` An unset input whose default is refused
 * shows `is not set (default …)` instead of the value.
 */
export function inputError(
  name: string,
  value: string,
  fix: string,
  /** `hideValue`: the value may hold secrets (KEY=VALUE inputs): the message says only what `problem` says. */
  options: { problem?: string; fallback?: string; hint?: string; hideValue?: boolean } = {},
): InputError {
  const ending = `: ${fix.endsWith('.') ? fix : `${fix}.`}`;
  if (options.hideValue && options.problem !== undefined) return new InputError(`Input \`${name}\` ${options.problem}${ending}`, options.hint);
  const given = value.trim() === '' ? `is not set (default ${options.fallback ?? 'empty'})` : `is ${quoted(value)}`;
  const problem = options.problem === undefined ? '' : `, which ${options.problem}`;
  return new InputError(`Input \`${name}\` ${given}${problem}${ending}`, options.hint);
}

/** A text input, trimmed; undefined when not set. */
export function getText(get: InputGetter, name: string): string | undefined {
  return get(name).trim() || undefined;
}

/** The spellings of @actions/core's getBooleanInput (the YAML 1.2 core schema), and no other. */
const TRUE_SPELLINGS: readonly string[] = ['true', 'True', 'TRUE'];
const FALSE_SPELLINGS: readonly string[] = ['false', 'False', 'FALSE'];

/** A true/false input, spelt exactly as @actions/core's getBooleanInput accepts it: true, True, TRUE, false, False, FALSE. */
export function getBoolean(get: InputGetter, name: string, fallback: boolean): boolean {
  const raw = get(name);
  const value = raw.trim();
  if (value === '') return fallback;
  if (TRUE_SPELLINGS.includes(value)) return true;
  if (FALSE_SPELLINGS.includes(value)) return false;
  throw inputError(name, raw, 'use true or false');
}

/** One of `choices`, in any letter case. */
export function getChoice<T extends string>(get: InputGetter, name: string, choices: readonly T[], fallback: T): T {
  const raw = get(name);
  const value = raw.trim().toLowerCase();
  if (value === '') return fallback;
  const match = choices.find((choice) => choice === value);
  if (match === undefined) throw inputError(name, raw, `use one of ${choices.join(', ')}`);
  return match;
}

/** The longest a GitHub-hosted job may run: the bound of every input counted in minutes. */
export const MAX_JOB_MINUTES = 360;

export interface NumberBounds {
  min: number;
  max: number;
  fallback: number;
  /** What is counted, for the message: `a number of minutes`. */
  unit?: string;
  /** `min` itself is refused (a wait of 0 minutes). */
  minExclusive?: boolean;
  /** Said after the message (DeployError's hint). */
  hint?: string;
}

const WHOLE = /^\d+$/;
const DECIMAL = /^(\d+\.?\d*|\.\d+)$/;

/** A whole number from `min` to `max`. */
export function getInteger(get: InputGetter, name: string, bounds: NumberBounds): number {
  return readNumber(get, name, bounds, WHOLE, 'a whole number');
}

/** A number from `min` to `max`, fractions allowed (minutes). */
export function getNumber(get: InputGetter, name: string, bounds: NumberBounds): number {
  return readNumber(get, name, bounds, DECIMAL, 'a number');
}

function readNumber(get: InputGetter, name: string, bounds: NumberBounds, grammar: RegExp, kind: string): number {
  const raw = get(name);
  const value = raw.trim();
  if (value === '') return bounds.fallback;
  const number = Number(value);
  const low = bounds.minExclusive ? number > bounds.min : number >= bounds.min;
  if (grammar.test(value) && low && number <= bounds.max) return number;
  const what = bounds.unit === undefined ? kind : `${kind} of ${bounds.unit}`;
  const range = bounds.minExclusive ? `above ${bounds.min}, at most ${bounds.max}` : `from ${bounds.min} to ${bounds.max}`;
  throw inputError(name, raw, `use ${what} ${range} (default ${bounds.fallback})`, { hint: bounds.hint });
}

/** Comma- or newline-separated list, trimmed, empty items dropped. */
export function getList(get: InputGetter, name: string): string[] {
  return get(name)
    .split(/[\n\r,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `KEY=VALUE` lines (blank lines and `#` comments ignored). */
export function getKeyValueLines(get: InputGetter, name: string): Record<string, string> {
  const raw = get(name);
  const result: Record<string, string> = {};
  for (const [index, rawLine] of raw.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) {
      // The line itself is not shown: it may be a secret without its name.
      throw inputError(name, raw, 'write one KEY=VALUE a line', { problem: `has line ${index + 1}, which is not KEY=VALUE`, hideValue: true });
    }
    result[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  }
  return result;
}
