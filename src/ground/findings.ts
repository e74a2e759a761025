/** A problem found in the model, positioned in a file so that it can become a GitHub annotation. */
export type Severity = 'error' | 'warning' | 'notice';

export interface Finding {
  severity: Severity;
  /** What is wrong and what to do about it, in one or two sentences. */
  message: string;
  /** Absolute path of the file the finding is about; empty for a problem with an input rather than a file. */
  file: string;
  /** 1-based line, when the finding points inside the file. */
  line?: number;
  /** 1-based column, when the finding points inside the file. */
  column?: number;
  /** Short stable identifier of the rule, e.g. `asl/next-target`. */
  rule: string;
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

const severityOrder: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

/** Findings sorted by file, then position, then severity: the order a reader expects. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      severityOrder[a.severity] - severityOrder[b.severity],
  );
}
