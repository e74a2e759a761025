/**
 * Inputs are read through a getter so that the Action (core.getInput) and the CLI (flags and environment)
 * share one parser. The getter returns '' for an input that is not set.
 */
export type InputGetter = (name: string) => string;

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export function getChoice<T extends string>(get: InputGetter, name: string, choices: readonly T[], fallback: T): T {
  const value = get(name).trim();
  if (value === '') return fallback;
  const match = choices.find((choice) => choice === value.toLowerCase());
  if (match === undefined) {
    throw new InputError(`Input \`${name}\` is "${value}"; use one of: ${choices.join(', ')}.`);
  }
  return match;
}

export function getBoolean(get: InputGetter, name: string, fallback: boolean): boolean {
  const value = get(name).trim().toLowerCase();
  if (value === '') return fallback;
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off'].includes(value)) return false;
  throw new InputError(`Input \`${name}\` is "${value}"; use true or false.`);
}

export function getPositiveNumber(get: InputGetter, name: string, fallback: number): number {
  const value = get(name).trim();
  if (value === '') return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new InputError(`Input \`${name}\` is "${value}"; use a positive number.`);
  }
  return number;
}

/** Comma- or newline-separated list, trimmed, empty items dropped. */
export function getList(get: InputGetter, name: string): string[] {
  return get(name)
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `KEY=VALUE` lines (blank lines and `#` comments ignored). */
export function getKeyValueLines(get: InputGetter, name: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [index, rawLine] of get(name).split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) {
      throw new InputError(`Input \`${name}\`, line ${index + 1}: "${line}" is not KEY=VALUE.`);
    }
    result[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  }
  return result;
}
