/**
 * Markdown for the job summary from text that may be foreign (names, keys, finding messages): rendered as the
 * characters it holds, never as HTML, a link, an image, a broken code span or a broken table row.
 */
import { printable } from './printable.ts';

/**
 * Text in a table cell or a list item: one line, with what could make HTML, a link, an image or a code span
 * escaped (emphasis is left: `AWS_BUCKET_NAME` stays readable in the raw Markdown, and italics harm nothing).
 */
export function mdText(text: string): string {
  return printable(text).replace(/[\\`[\]<>&]/g, (character) => `\\${character}`);
}

/** A code span: one line, fenced by more backticks than any run inside it. */
export function mdCode(text: string): string {
  const line = printable(text);
  const fence = '`'.repeat(longestBacktickRun([line]) + 1);
  const padded = line.startsWith('`') || line.endsWith('`') || line.trim() === '' ? ` ${line} ` : line;
  return `${fence}${padded}${fence}`;
}

/** A fenced code block whose fence no line of the content can close. */
export function mdFence(language: string, lines: readonly string[]): string {
  const body = lines.map((line) => printable(line));
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  return [`${fence}${language}`, ...body, fence].join('\n');
}

/**
 * A table row of cells already in Markdown (mdText, mdCode or the action's own): a pipe inside a cell is escaped,
 * as GitHub's tables require even inside code spans, so no cell can add a column.
 */
export function mdRow(cells: readonly string[]): string {
  return `| ${cells.map((cell) => printable(cell).replace(/\|/g, '\\|')).join(' | ')} |`;
}

function longestBacktickRun(lines: readonly string[]): number {
  let longest = 0;
  for (const line of lines) for (const run of line.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}
