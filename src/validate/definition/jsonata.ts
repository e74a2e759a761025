import { createRequire } from 'node:module';
import { MAX_JSONATA_DEPTH, firstTooDeepJsonata } from './nesting.ts';
import { shown } from './paths.ts';

/**
 * JSONata expressions (`"{% ... %}"`) are checked with the real `jsonata` parser, the same library Step Functions
 * runs. It is loaded on first use only, so definitions without JSONata never pay for it.
 */
type Compile = (expression: string) => unknown;

let compile: Compile | null | undefined;

/**
 * Loads the parser ahead of a synchronous validation. In the bundle this dynamic import is a separate chunk, so a
 * definition without `{% %}` never loads it; the createRequire fallback below serves the unbundled sources.
 */
export async function preloadJsonata(): Promise<void> {
  if (compile) return;
  try {
    const module = (await import('jsonata')) as unknown as { default: Compile };
    compile = module.default;
  } catch {
    compile = undefined;
  }
}

function loadJsonata(): Compile | null {
  if (compile !== undefined) return compile;
  try {
    const require = createRequire(import.meta.url);
    compile = require('jsonata') as Compile;
  } catch {
    compile = null; // not installed: only the {% %} delimiters are checked
  }
  return compile;
}

export function isJsonataString(value: string): boolean {
  return value.startsWith('{%');
}

/**
 * A string of a JSONata state that is not an expression but looks like a misplaced one: Step Functions evaluates a
 * string only when it starts with "{%" (no leading space) and ends with "%}" (no trailing space), and refuses one
 * opened or closed improperly (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
 * Returns what is wrong, or undefined for plain text. (Strings that start with "{%" are checked by checkJsonata.)
 */
export function checkJsonataDelimiters(value: string): string | undefined {
  const close = value.lastIndexOf('%}');
  const open = value.indexOf('{%');
  if (open === -1 && close === -1) return undefined;
  if (open > 0 && value.slice(0, open).trim() === '') {
    return `"${shown(value)}" has white space before "{%": a JSONata expression must start with "{%" right at the beginning of the string. Remove the spaces`;
  }
  if (open > 0 && close > open) {
    return `"${shown(value)}" has text before "{%": a string is either plain text or one whole JSONata expression "{% ... %}". Move the text into the expression (e.g. "{% 'text ' & $value %}")`;
  }
  if (open === -1 && close !== -1 && value.trimEnd().endsWith('%}')) {
    return `"${shown(value)}" ends with "%}" but does not start with "{%": open the expression with "{%" at the beginning of the string, or remove "%}"`;
  }
  return undefined;
}

/** Returns what is wrong with a `{% ... %}` string, or undefined when it is well formed. */
export function checkJsonata(value: string): string | undefined {
  if (!value.endsWith('%}') || value.length < 4) {
    return `JSONata expression "${shown(value)}" must start with "{%" and end with "%}"`;
  }
  const expression = value.slice(2, -2);
  if (expression.trim() === '') return 'empty JSONata expression "{% %}": write an expression between the delimiters';
  const parse = loadJsonata();
  // The jsonata parser is recursive: brackets nested past the limit would exhaust the stack.
  const tooDeep = firstTooDeepJsonata(expression);
  if (tooDeep !== -1) return tooDeepMessage(value, `its brackets nest more than ${MAX_JSONATA_DEPTH} deep (at character ${tooDeep + 1} of the expression)`);
  if (!parse) return undefined;
  try {
    parse(expression);
    return undefined;
  } catch (error) {
    // Nesting without brackets (`1 ? 1 : 1 ? ...`, `- - - 1`) can still exhaust the stack.
    if (error instanceof RangeError) return tooDeepMessage(value, `the parser ran out of stack (${error.message})`);
    const detail = error as { message?: string; position?: number; token?: string };
    const where = typeof detail.position === 'number' ? ` (near character ${detail.position} of the expression)` : '';
    return `JSONata syntax error in "${shown(value)}": ${detail.message ?? String(error)}${where}`;
  }
}

function tooDeepMessage(value: string, why: string): string {
  return `JSONata expression "${shown(value)}" is nested too deeply to check: ${why}. Real expressions nest a few levels: split it (e.g. into variables with "Assign")`;
}
