/**
 * Offline syntax checks for the JSONPath flavour of Amazon States Language: Paths, Reference Paths
 * (no `@ .. , : ? *`), context paths (`$$.`), variables (`$name`), and intrinsic functions (`States.Format(...)`).
 * Hand-written single-pass scanners: no regular expression runs over user text, so there is no backtracking trap.
 * The scan of a call collects its arguments; what each function accepts is in asl-intrinsics.ts.
 */

import { MAX_INTRINSIC_DEPTH } from './nesting.ts';
import { INTRINSIC_SIGNATURES, type IntrinsicArgument, arityOf, checkIntrinsicArguments } from './asl-intrinsics.ts';

export type PathKind = 'path' | 'reference' | 'result';

interface PathScan {
  end: number;
  error?: string;
  /** The first operator that a Reference Path may not use, if any. */
  ambiguous?: string;
}

function isIdentifierStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function isIdentifierPart(code: number): boolean {
  return isIdentifierStart(code) || (code >= 48 && code <= 57);
}

/** Finds the `]` closing the bracket at `start`, honouring quotes and nesting. */
function scanBracket(text: string, start: number): { end: number; content: string } | undefined {
  let depth = 0;
  let quote = 0;
  for (let index = start; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (quote) {
      if (code === 92) index++;
      else if (code === quote) quote = 0;
      continue;
    }
    if (code === 39 || code === 34) quote = code;
    else if (code === 91 || code === 40) depth++;
    else if (code === 93 || code === 41) {
      depth--;
      if (depth === 0) {
        if (code !== 93) return undefined;
        return { end: index + 1, content: text.slice(start + 1, index) };
      }
    }
  }
  return undefined;
}

function bracketOperator(content: string): string | undefined {
  const trimmed = content.trim();
  if (trimmed === '*') return '*';
  if (trimmed.startsWith('?')) return '?';
  if (trimmed.includes('@')) return '@';
  let quote = 0;
  for (let index = 0; index < trimmed.length; index++) {
    const code = trimmed.charCodeAt(index);
    if (quote) {
      if (code === 92) index++;
      else if (code === quote) quote = 0;
    } else if (code === 39 || code === 34) quote = code;
    else if (code === 58) return ':';
    else if (code === 44) return ',';
  }
  return undefined;
}

/**
 * Scans a path starting at `start` (which must be `$`). In an intrinsic-function argument (`inArgument`) a path
 * stops at `,`, `)` or white space.
 */
function scanPath(text: string, start: number, inArgument: boolean): PathScan {
  let index = start;
  if (text.charCodeAt(index) !== 36) return { end: index, error: 'a path must start with "$"' };
  index++;
  let ambiguous: string | undefined;
  if (text.charCodeAt(index) === 36) index++; // $$ : the context object
  else if (isIdentifierStart(text.charCodeAt(index))) {
    while (index < text.length && isIdentifierPart(text.charCodeAt(index))) index++; // $variable
  }
  const stops = (code: number) => inArgument && (code === 44 || code === 41 || code === 32 || code === 9);
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (stops(code)) break;
    if (code === 46 /* . */) {
      index++;
      if (text.charCodeAt(index) === 46) {
        ambiguous ??= '..';
        index++;
        if (text.charCodeAt(index) === 91) continue;
      }
      if (text.charCodeAt(index) === 91) continue; // "$.[0]": Jayway accepts a bracket after a dot
      if (text.charCodeAt(index) === 42 /* * */) {
        ambiguous ??= '*';
        index++;
        continue;
      }
      const nameStart = index;
      while (index < text.length) {
        const inner = text.charCodeAt(index);
        if (inner === 92 /* \ escapes the next character */) {
          index += 2;
          continue;
        }
        if (inner === 46 || inner === 91 || stops(inner)) break;
        index++;
      }
      if (index === nameStart) {
        return { end: index, error: `a field name is missing after "." at character ${index + 1}` };
      }
      continue;
    }
    if (code === 91 /* [ */) {
      const bracket = scanBracket(text, index);
      if (!bracket) return { end: index, error: `the "[" at character ${index + 1} is never closed by "]"` };
      if (bracket.content.trim() === '') return { end: index, error: `empty "[]" at character ${index + 1}` };
      ambiguous ??= bracketOperator(bracket.content);
      index = bracket.end;
      continue;
    }
    return {
      end: index,
      error: `unexpected "${text[index]}" at character ${index + 1}: after "$" a path continues with ".field" or "[...]"`,
    };
  }
  return { end: index, ambiguous };
}

/** A value as quoted in a message: a long one is cut (the finding points at it anyway). */
export function shown(value: string): string {
  return value.length > 200 ? `${value.slice(0, 100)}...${value.slice(-40)}` : value;
}

/** Checks a Path-valued field. Returns what is wrong, or undefined when the path is well formed. */
export function checkPath(value: string, kind: PathKind): string | undefined {
  if (value.length === 0 || value.charCodeAt(0) !== 36) {
    return `"${shown(value)}" is not a path: a path starts with "$" (e.g. "$.field")`;
  }
  if (kind === 'result' && value.startsWith('$$')) {
    return `"${shown(value)}" writes into the context object: ResultPath may not start with "$$"`;
  }
  const scan = scanPath(value, 0, false);
  if (scan.error) return `"${shown(value)}" is not a valid path: ${scan.error}`;
  if (kind !== 'path' && scan.ambiguous) {
    return `"${shown(value)}" must be a Reference Path, which selects a single value: the operator "${scan.ambiguous}" is not allowed (only ".field" and "[index]" or "['field']")`;
  }
  return undefined;
}

interface IntrinsicScan {
  end: number;
  error?: string;
  /** Set when the call is well formed but an argument has the wrong type or value. */
  argumentError?: boolean;
  /** The function called (for the caller's argument list). */
  name?: string;
}

/** What is wrong with a path argument or an intrinsic function, and under which rule id it is reported. */
export interface IntrinsicProblem {
  rule: 'asl/jsonpath' | 'asl/intrinsic' | 'asl/intrinsic-argument';
  message: string;
}

/** A quoted argument's text without its escaping backslashes (`\\'` is `'`). */
function unescapeArgument(raw: string): string {
  let value = '';
  for (let index = 0; index < raw.length; index++) value += raw.charCodeAt(index) === 92 ? raw[++index] : raw[index];
  return value;
}

function skipSpace(text: string, index: number): number {
  while (index < text.length && (text.charCodeAt(index) === 32 || text.charCodeAt(index) === 9)) index++;
  return index;
}

function arguments_(count: number): string {
  return count === 1 ? '1 argument' : `${count} arguments`;
}

/** Scans one call at `start`; `depth` is its nesting level (1 for the outermost call). */
function scanIntrinsic(text: string, start: number, depth = 1): IntrinsicScan {
  if (depth > MAX_INTRINSIC_DEPTH) {
    return { end: start, error: `the call at character ${start + 1} is nested ${depth} deep: the action checks intrinsic functions nested at most ${MAX_INTRINSIC_DEPTH} deep (real definitions nest a few); flatten the expression` };
  }
  let index = start;
  while (index < text.length && (isIdentifierPart(text.charCodeAt(index)) || text.charCodeAt(index) === 46)) index++;
  const name = text.slice(start, index);
  if (name === '') return { end: index, error: `unexpected "${text[index] ?? ''}" at character ${index + 1}` };
  if (text.charCodeAt(index) !== 40 /* ( */) {
    return { end: index, error: `"${name}" must be followed by "(" and its arguments` };
  }
  const arity = arityOf(name);
  if (!arity) {
    const known = [...INTRINSIC_SIGNATURES.keys()].join(', ');
    return { end: index, error: `unknown intrinsic function "${name}" (known: ${known})` };
  }
  index++;
  const args: IntrinsicArgument[] = [];
  let formatPlaceholders = -1;
  index = skipSpace(text, index);
  if (text.charCodeAt(index) === 41) {
    index++;
  } else {
    for (;;) {
      index = skipSpace(text, index);
      const code = text.charCodeAt(index);
      if (code === 39 /* ' */) {
        let placeholders = 0;
        index++;
        const valueStart = index;
        let escaped = false;
        let closed = false;
        while (index < text.length) {
          const inner = text.charCodeAt(index);
          if (inner === 92) {
            const next = text[index + 1];
            if (next !== "'" && next !== '{' && next !== '}' && next !== '\\') {
              return { end: index, error: `open escape "\\${next ?? ''}" at character ${index + 1}: only \\' \\{ \\} \\\\ are escapes` };
            }
            escaped = true;
            index += 2;
            continue;
          }
          if (inner === 39) {
            closed = true;
            index++;
            break;
          }
          if (inner === 123 && text.charCodeAt(index + 1) === 125) {
            placeholders++;
            index += 2;
            continue;
          }
          index++;
        }
        if (!closed) return { end: index, error: 'a quoted argument is never closed by "\'"' };
        if (args.length === 0) formatPlaceholders = placeholders;
        const raw = text.slice(valueStart, index - 1);
        args.push({ kind: 'literal', type: 'string', value: escaped ? unescapeArgument(raw) : raw });
      } else if (code === 36 /* $ */) {
        const path = scanPath(text, index, true);
        if (path.error) return { end: path.end, error: path.error };
        index = path.end;
        args.push({ kind: 'path' });
      } else if (code === 45 || (code >= 48 && code <= 57)) {
        const numberStart = index;
        if (code === 45) index++;
        while (index < text.length && /[0-9.eE+-]/.test(text[index])) index++;
        const value = Number(text.slice(numberStart, index));
        if (!Number.isFinite(value)) {
          return { end: index, error: `"${text.slice(numberStart, index)}" is not a number` };
        }
        args.push({ kind: 'literal', type: 'number', value });
      } else if (text.startsWith('null', index)) {
        index += 4;
        args.push({ kind: 'literal', type: 'null' });
      } else if (text.startsWith('true', index)) {
        index += 4;
        args.push({ kind: 'literal', type: 'boolean', value: true });
      } else if (text.startsWith('false', index)) {
        index += 5;
        args.push({ kind: 'literal', type: 'boolean', value: false });
      } else if (text.startsWith('States.', index)) {
        const nested = scanIntrinsic(text, index, depth + 1);
        if (nested.error) return nested;
        index = nested.end;
        args.push({ kind: 'call', name: nested.name! });
      } else {
        return {
          end: index,
          error: `unexpected "${text[index] ?? 'end of text'}" at character ${index + 1}: an argument is a 'quoted string', a number, null, a path or an intrinsic function`,
        };
      }
      index = skipSpace(text, index);
      const separator = text.charCodeAt(index);
      if (separator === 44) {
        index++;
        continue;
      }
      if (separator === 41) {
        index++;
        break;
      }
      return { end: index, error: `expected "," or ")" at character ${index + 1}` };
    }
  }
  const [minimum, maximum] = arity;
  const count = args.length;
  if (count < minimum || count > maximum) {
    const expected = minimum === maximum ? arguments_(minimum) : maximum === Infinity ? `at least ${arguments_(minimum)}` : `${minimum} to ${maximum} arguments`;
    return { end: index, error: `${name} takes ${expected}, not ${count}` };
  }
  if (name === 'States.Format' && formatPlaceholders >= 0 && formatPlaceholders !== count - 1) {
    return {
      end: index,
      error: `States.Format has ${formatPlaceholders} "{}" in its template but ${count - 1} value argument(s): give one value per "{}"`,
    };
  }
  const wrongArgument = checkIntrinsicArguments(name, args);
  if (wrongArgument) return { end: index, error: wrongArgument, argumentError: true };
  return { end: index, name };
}

/** Checks the value of a `"name.$"` field (Parameters, ResultSelector, ItemSelector, Assign ...). */
export function checkDynamicValue(value: string): IntrinsicProblem | undefined {
  if (value.charCodeAt(0) === 36) {
    const problem = checkPath(value, 'path');
    return problem === undefined ? undefined : { rule: 'asl/jsonpath', message: problem };
  }
  if (!value.startsWith('States.')) {
    return {
      rule: 'asl/intrinsic',
      message: `"${shown(value)}" is neither a path (starting with "$") nor an intrinsic function (States.Format(...), ...): a field whose name ends in ".$" needs one of them (or drop ".$" to pass the text as is)`,
    };
  }
  return checkIntrinsic(value);
}

/** Checks a whole string as one intrinsic function call. */
export function checkIntrinsic(value: string): IntrinsicProblem | undefined {
  const scan = scanIntrinsic(value, 0);
  if (scan.error) {
    return { rule: scan.argumentError ? 'asl/intrinsic-argument' : 'asl/intrinsic', message: `"${shown(value)}" is not a valid intrinsic function: ${scan.error}` };
  }
  const end = skipSpace(value, scan.end);
  if (end !== value.length) return { rule: 'asl/intrinsic', message: `"${shown(value)}" has unexpected text after the intrinsic function at character ${end + 1}` };
  return undefined;
}
