import * as core from '@actions/core';
import path from 'node:path';
import { parseModelConfig } from '../core/config.ts';
import { sortFindings, type Finding } from '../core/findings.ts';
import type { Logger } from '../core/logger.ts';
import { runModel } from '../core/run.ts';
import { findingLocation, renderSummary } from '../core/summary.ts';
import { VERSION } from '../version.ts';
import { runnerContext } from './context.ts';

/** The GitHub Action's door onto the core: inputs in; annotations, outputs and the job summary out. */
export async function run(): Promise<void> {
  try {
    const { run: runContext, git } = runnerContext();
    const get = (name: string): string => core.getInput(name);
    const config = parseModelConfig(get, runContext);
    core.info(`quetzal/deploy-action ${VERSION}: ${config.mode} ${path.relative(config.workspace, config.modelFolder) || '.'}`);

    const result = await runModel(config, { logger: actionLogger, get, git });

    for (const finding of sortFindings(result.validation.findings)) annotate(finding, config.workspace);
    for (const [name, value] of Object.entries(result.outputs)) core.setOutput(name, value);
    await core.summary.addRaw(renderSummary(result, config.workspace, VERSION)).write();

    if (result.failure) {
      core.setFailed(result.failure.hint ? `${result.failure.message} ${result.failure.hint}` : result.failure.message);
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

function annotate(finding: Finding, workspace: string): void {
  const properties: core.AnnotationProperties = { title: finding.rule };
  if (finding.file !== '') properties.file = path.relative(workspace, finding.file).split(path.sep).join('/');
  if (finding.line !== undefined) properties.startLine = finding.line;
  if (finding.column !== undefined) properties.startColumn = finding.column;
  const message = finding.file === '' ? finding.message : `${findingLocation(finding, workspace)}: ${finding.message}`;
  if (finding.severity === 'error') core.error(message, properties);
  else if (finding.severity === 'warning') core.warning(message, properties);
  else core.notice(message, properties);
}

const actionLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  debug: (message) => core.debug(message),
  secret: (value) => core.setSecret(value),
  group: (title, task) => core.group(title, task),
};
