import { parse } from 'dotenv';

export interface EnvEntry {
  value: string;
  /** 1-based line of the assignment that dotenv keeps (the last one). */
  line: number;
  /** 1-based column where the value starts. */
  column: number;
}

/**
 * Parses a `.env` file exactly as dotenv does (comments, blank lines, quotes, `export`, CRLF), and finds where
 * each key is assigned so that findings can point at the line.
 */
export function parseEnvFile(text: string): Map<string, EnvEntry> {
  const values = parse(text);
  const assignments = locateAssignments(text);
  const entries = new Map<string, EnvEntry>();
  for (const [key, value] of Object.entries(values)) {
    entries.set(key, { value, ...(assignments.get(key) ?? { line: 1, column: 1 }) });
  }
  return entries;
}

/**
 * `KEY=`, `KEY: `, with optional leading white space and `export `: the key (a dotenv key, letters, digits and
 * `_ . -`) and the white space around the separator, up to the value.
 */
const ASSIGNMENT = /^(\s*(?:export\s+)?)([\w.-]+)(\s*(?:=|:\s)\s*)/;

/**
 * Where each key is assigned, in one pass over the lines: the last assignment of a key wins (as in dotenv), and
 * its column is where the value starts. (Searching every line once per key was quadratic on a .env of many keys.)
 */
function locateAssignments(text: string): Map<string, { line: number; column: number }> {
  const found = new Map<string, { line: number; column: number }>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const match = ASSIGNMENT.exec(lines[index]);
    if (match) found.set(match[2], { line: index + 1, column: match[0].length + 1 });
  }
  return found;
}

/**
 * dotenv's parser retries its expression at every line start, and each try first skips all the white space that
 * follows, line feeds included: a run of blank lines that no assignment takes in costs (lines in the run) x
 * (characters in the run), so 1 MB of blank lines would take many minutes. Past this many such steps the file is
 * not parsed. 10,000 blank lines in a row stay under it (some 0.1 s); a real .env has a few.
 */
export const MAX_BLANK_RUN_COST = 100_000_000;

/** What dotenv's expression needs at a line start to read an assignment (white space, `export`, key, separator). */
const ASSIGNMENT_START = /\s*(?:export\s+)?[\w.-]+(?:\s*=|:\s)/y;

function startsAssignment(text: string, index: number): boolean {
  ASSIGNMENT_START.lastIndex = index;
  return ASSIGNMENT_START.test(text);
}

/**
 * The first run of white space that dotenv would take too long over: its first blank line (1-based) and how many
 * blank lines it holds. A run is cheap when an assignment takes it in: the one before it (its value's trailing
 * white space spans lines) or the one after it (the first try in the run reads it).
 */
export function costlyBlankRun(text: string): { line: number; lines: number } | undefined {
  const length = text.length;
  let line = 1;
  let lineStart = 0;
  let atLineStart = true;
  for (let index = 0; index < length; ) {
    if (!isSpace(text.charCodeAt(index))) {
      atLineStart = false;
      index++;
      continue;
    }
    const start = index;
    const firstLine = atLineStart ? line : line + 1;
    const previousLineStart = lineStart;
    let lineStarts = atLineStart ? 1 : 0;
    for (; index < length; index++) {
      const code = text.charCodeAt(index);
      if (!isSpace(code)) break;
      // dotenv reads CRLF and CR as LF; the expression's `^` also starts a line after U+2028 and U+2029.
      atLineStart = code === 10 || (code === 13 && text.charCodeAt(index + 1) !== 10) || code === 0x2028 || code === 0x2029;
      if (atLineStart) lineStarts++;
      if (code === 10 || (code === 13 && text.charCodeAt(index + 1) !== 10)) {
        line++;
        lineStart = index + 1;
      }
    }
    if (lineStarts * (index - start) <= MAX_BLANK_RUN_COST) continue;
    if (start > 0 && startsAssignment(text, previousLineStart)) continue;
    if (index < length && startsAssignment(text, index)) continue;
    return { line: firstLine, lines: line - firstLine + (index === length ? 1 : 0) };
  }
  return undefined;
}

/** JavaScript's white space (what `\s` matches). */
function isSpace(code: number): boolean {
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}
