import path from 'node:path';
import { cancelOnSignals } from '../ground/cancel.ts';
import { DeployError } from '../ground/errors.ts';
import { parseSettings } from '../ground/settings/index.ts';
import { sortFindings, type Finding } from '../ground/findings.ts';
import type { Logger } from '../ground/logger.ts';
import { printable } from '../ground/printable.ts';
import { runModel } from '../pipeline/run.ts';
import { findingLocation, renderSummary } from '../pipeline/summary.ts';
import { VERSION } from '../version.ts';
import { runnerContext } from './context.ts';
import { keepPullRequestComment } from './pull-request.ts';
import { Runner, type AnnotationProperties } from './runner.ts';

/** The GitHub Action's door onto the core: inputs in; annotations, outputs and the job summary out. */
export async function run(runner = new Runner()): Promise<void> {
  const logger: Logger = {
    info: (message) => runner.info(message),
    warning: (message) => runner.annotate('warning', message),
    debug: (message) => runner.debug(message),
    secret: (value) => runner.setSecret(value),
    group: (title, task) => runner.group(title, task),
  };
  try {
    const { run: runContext, git, pullRequest } = runnerContext();
    const get = (name: string): string => runner.getInput(name);
    const settings = parseSettings(get, runContext);
    if (settings.comment.token !== undefined) runner.setSecret(settings.comment.token);
    const config = settings.model;
    runner.info(`quetzal/deploy-action ${VERSION}: ${config.mode} ${path.relative(config.workspace, config.modelFolder) || '.'}`);

    const result = await runModel(settings, { logger, git, signal: cancelOnSignals((signal) =>
      runner.annotate('warning', `Received ${signal}: finishing the current step, then stopping.`),
    ) });

    for (const finding of sortFindings(result.validation.findings)) annotate(runner, finding, config.workspace);
    for (const [name, value] of Object.entries(result.outputs)) runner.setOutput(name, value);
    await runner.appendSummary(renderSummary(result, config.workspace, VERSION));
    if (pullRequest) await keepPullRequestComment(runner, pullRequest, settings, result, git.runUrl);

    if (result.failure) {
      runner.setFailed(result.failure.hint ? `${result.failure.message} ${result.failure.hint}` : result.failure.message);
    }
  } catch (error) {
    const hint = error instanceof DeployError && error.hint ? ` ${error.hint}` : '';
    runner.setFailed(`${error instanceof Error ? error.message : String(error)}${hint}`);
  }
}

function annotate(runner: Runner, finding: Finding, workspace: string): void {
  const properties: AnnotationProperties = { title: finding.rule };
  if (finding.file !== '') properties.file = path.relative(workspace, finding.file).split(path.sep).join('/');
  if (finding.line !== undefined) properties.startLine = finding.line;
  if (finding.column !== undefined) properties.startColumn = finding.column;
  const message = printable(finding.file === '' ? finding.message : `${findingLocation(finding, workspace)}: ${finding.message}`);
  runner.annotate(finding.severity, message, properties);
}
