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
  const lines = text.split(/\r\n|\r|\n/);
  const entries = new Map<string, EnvEntry>();
  for (const [key, value] of Object.entries(values)) {
    entries.set(key, { value, ...locateAssignment(lines, key) });
  }
  return entries;
}

function locateAssignment(lines: readonly string[], key: string): { line: number; column: number } {
  const assignment = new RegExp(`^(\\s*(?:export\\s+)?${escapeRegExp(key)}\\s*(?:=|:\\s)\\s*)`);
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const match = assignment.exec(lines[index]);
    if (match) return { line: index + 1, column: match[1].length + 1 };
  }
  return { line: 1, column: 1 };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
