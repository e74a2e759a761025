import type { Finding, Severity } from '../../ground/findings.ts';
import { LineIndex } from '../../ground/line-index.ts';

export { LineIndex };

/** Collects findings for one definition file, each positioned by a character offset. */
export class Report {
  readonly findings: Finding[] = [];
  readonly #file: string;
  readonly #lines: LineIndex;

  constructor(file: string, lines: LineIndex) {
    this.#file = file;
    this.#lines = lines;
  }

  add(severity: Severity, rule: string, offset: number, message: string): void {
    const { line, column } = this.#lines.position(offset);
    this.findings.push({ severity, rule, message, file: this.#file, line, column });
  }

  error(rule: string, offset: number, message: string): void {
    this.add('error', rule, offset, message);
  }

  warning(rule: string, offset: number, message: string): void {
    this.add('warning', rule, offset, message);
  }

  notice(rule: string, offset: number, message: string): void {
    this.add('notice', rule, offset, message);
  }

  lineOf(offset: number): number {
    return this.#lines.lineOf(offset);
  }
}
