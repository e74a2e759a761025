/** The errors a user can act on. Anything else that is thrown is a bug, reported as it is. */
import type { Finding } from './findings.ts';
import type { StepReport } from './step.ts';

/** What is wrong, in one line, and what to do about it (the hint). */
export class DeployError extends Error {
  readonly hint?: string;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeployError';
    this.hint = hint;
  }
}

/**
 * An input (`with:` in the workflow, a flag of the CLI) that cannot be used as given. Made by `inputError`
 * (ground/inputs.ts) in one format: ``Input `rollback` is "yes": use true or false.``
 */
export class InputError extends DeployError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'InputError';
  }
}

/**
 * A step that failed with something to show: its report (the smoke run's states, say) goes in the summary,
 * which the pipeline otherwise writes only for the steps that succeeded.
 */
export class StepFailure extends DeployError {
  readonly report: StepReport;
  constructor(message: string, hint: string | undefined, report: StepReport) {
    super(message, hint);
    this.name = 'StepFailure';
    this.report = report;
  }
}

/** A failure that is findings in the model's files (Step Functions' diagnostics of the definition): annotated on their lines. */
export class FindingsError extends DeployError {
  readonly findings: Finding[];
  constructor(message: string, hint: string | undefined, findings: Finding[]) {
    super(message, hint);
    this.name = 'FindingsError';
    this.findings = findings;
  }
}
