/**
 * The GitHub runner's protocol through @actions/core, behind one guard: every text the action prints — log lines,
 * annotation messages and properties, group titles — is neutralised first (ground/printable.ts), so that no line of
 * repository or bucket content can become a workflow command. Only add-mask values reach the runner as they are.
 */
import * as core from '@actions/core';
import { outputLines } from '../ground/printable.ts';

export type AnnotationProperties = Pick<core.AnnotationProperties, 'title' | 'file' | 'startLine' | 'startColumn'>;

export type AnnotationLevel = 'error' | 'warning' | 'notice';

const ANNOTATE: Record<AnnotationLevel, (message: string, properties: core.AnnotationProperties) => void> = {
  error: core.error,
  warning: core.warning,
  notice: core.notice,
};

export class Runner {
  /** An input as the runner passes it (`with:`), trimmed; '' when not set. */
  getInput(name: string): string {
    return core.getInput(name);
  }

  /** Plain log lines: whatever the message holds, no line of it is read as a workflow command. */
  info(message: string): void {
    core.info(neutral(message));
  }

  debug(message: string): void {
    core.debug(neutral(message));
  }

  annotate(level: AnnotationLevel, message: string, properties: AnnotationProperties = {}): void {
    const { title, file, startLine, startColumn } = properties;
    ANNOTATE[level](neutral(message), {
      title: title === undefined ? undefined : neutral(title),
      file: file === undefined ? undefined : neutral(file),
      startLine,
      startColumn,
    });
  }

  /** From now on the runner replaces `value` with *** wherever it would print it. */
  setSecret(value: string): void {
    // The value is the runner's to match as it is: only escaped (by core), never neutralised.
    if (value !== '') core.setSecret(value);
  }

  group<T>(title: string, task: () => Promise<T>): Promise<T> {
    return core.group(neutral(title), task);
  }

  /** Appends to GITHUB_OUTPUT; without a runner's file, prints the output as a log line. */
  setOutput(name: string, value: string): void {
    if (process.env.GITHUB_OUTPUT) core.setOutput(name, value);
    else this.info(`output ${name}=${value}`);
  }

  /** Appends Markdown to the job summary (GITHUB_STEP_SUMMARY); without a runner, writes nothing. */
  async appendSummary(markdown: string): Promise<void> {
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown).write();
  }

  /** An error annotation, and the step fails (exit code 1). */
  setFailed(message: string): void {
    core.setFailed(neutral(message));
  }
}

/** Control characters escaped and no `##[` or leading `::` left, as in a log line; core escapes the line feeds. */
function neutral(text: string): string {
  return outputLines(text).join('\n');
}
