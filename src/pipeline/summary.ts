import path from 'node:path';
import { countBySeverity, sortFindings, type Finding } from '../ground/findings.ts';
import { mdCode, mdRow, mdText } from '../ground/markdown.ts';
import { RESOURCE_LABELS, type ResourceKind } from '../ground/names.ts';
import { pictureMarkdown, pictureOf } from './picture.ts';
import type { RunResult } from './run.ts';

const ICONS = { error: '❌', warning: '⚠️', notice: 'ℹ️' } as const;

const KIND_LABELS = { lambda: 'A **Lambda model**: one notebook per Lambda invocation, chained by the state machine', ecs: 'An **ECS model**: every notebook of steps.json in one ECS task' } as const;

/** Where a finding points, relative to the workspace: `model/step-functions.json:12:5`. */
export function findingLocation(finding: Finding, workspace: string): string {
  if (finding.file === '') return '(inputs)';
  const file = path.relative(workspace, finding.file).split(path.sep).join('/') || path.basename(finding.file);
  return [file, finding.line, finding.column].filter((part) => part !== undefined).join(':');
}

export interface SummaryOptions {
  /** A link for a finding's place (the pull-request comment links each one to its line at the head commit). */
  linkOf?: (finding: Finding) => string | undefined;
  /** Each step's diff or file list inside a <details> element (the comment, where the verdict comes first). */
  foldStepDetails?: boolean;
  /** Leave the steps' tables and diffs out (a comment over GitHub's size limit). */
  omitStepDetails?: boolean;
  /** Leave the picture out. */
  omitPicture?: boolean;
  /** Which model the summary is of, in its title (the comment: a pull request may hold several). */
  modelFolder?: string;
}

/** The job summary, as Markdown. The Action writes it to GITHUB_STEP_SUMMARY; the CLI can print it. */
export function renderSummary(result: RunResult, workspace: string, version: string, options: SummaryOptions = {}): string {
  const counts = countBySeverity(result.validation.findings);
  const lines: string[] = [];
  const verdict = result.failure ? `❌ ${paragraph(result.failure.message)}` : '✅ Success';
  const title = result.rollbackTo === undefined ? result.mode : `${result.mode === 'plan' ? 'plan of a rollback' : 'rollback'} to ${mdCode(result.rollbackTo)}`;
  const model = options.modelFolder === undefined ? '' : ` · ${mdCode(options.modelFolder)}`;
  lines.push(`## Quetzal deploy — ${title}${model}`, '', verdict, '');
  // The source is the action's own words (an input's name, a file name of the model folder's settings).
  lines.push(`${KIND_LABELS[result.kind.value]} (${mdText(result.kind.source)})`, '');
  if (result.rollbackTo !== undefined) {
    const what = result.kind.value === 'ecs'
      ? 'A rollback registers a revision of the task definition whose model container runs the release\'s image.'
      : 'A rollback puts back the state machine\'s definition, the Lambda\'s image and IMAGE_TAG, and the alias (input `alias`).';
    lines.push(`> ${what} Scenario data in the bucket is not rolled back, and the image's repository keeps every tag.`, '');
  }

  const names = Object.entries(result.validation.names) as Array<[ResourceKind, { value: string; source: string }]>;
  if (names.length > 0) {
    const links = result.consoleLinks;
    lines.push(links ? '| Resource | Name | From | Console |' : '| Resource | Name | From |', links ? '| --- | --- | --- | --- |' : '| --- | --- | --- |');
    for (const [kind, name] of names) {
      // An ECS model has no Lambda and no state machine of its own to deploy.
      if (result.kind.value === 'ecs' && (kind === 'lambdaFunction' || kind === 'stateMachine')) continue;
      // The source is the action's own words (an input's name, a `.env` line and one of its known keys).
      const cells = [RESOURCE_LABELS[kind], mdCode(name.value), name.source];
      if (links) cells.push(links[kind] ? `[open](${links[kind]})` : '');
      lines.push(mdRow(cells));
    }
    const ecs = result.validation.ecs;
    if (ecs) {
      for (const [label, name] of [['ECS task definition', ecs.taskFamily], ['ECS cluster', ecs.cluster]] as const) {
        lines.push(mdRow([label, mdCode(name.value), name.source, ...(links ? [''] : [])]));
      }
    }
    lines.push('');
  }

  lines.push(`### Validation: ${counts.error} errors, ${counts.warning} warnings, ${counts.notice} notices`, '');
  if (result.validation.findings.length > 0) {
    lines.push('| | Where | Finding | Rule |', '| --- | --- | --- | --- |');
    for (const finding of sortFindings(result.validation.findings)) {
      const location = mdCode(findingLocation(finding, workspace));
      const link = options.linkOf?.(finding);
      lines.push(mdRow([ICONS[finding.severity], link ? `[${location}](${link})` : location, mdText(finding.message), mdCode(finding.rule)]));
    }
    lines.push('');
  }
  if (!options.omitPicture) lines.push(...pictureMarkdown(pictureOf(result)));

  for (const step of result.steps) {
    lines.push(`### ${step.step}: ${step.status}${step.seconds === undefined ? '' : ` (${step.seconds.toFixed(1)} s)`}`, '');
    if (options.omitStepDetails) continue;
    if (step.details.length > 0) {
      lines.push('| | |', '| --- | --- |');
      for (const [label, value] of step.details) lines.push(mdRow([mdText(label), mdText(value)]));
      lines.push('');
    }
    if (step.markdown && options.foldStepDetails) lines.push(`<details><summary>${step.step}: the full list</summary>`, '', step.markdown, '', '</details>', '');
    else if (step.markdown) lines.push(step.markdown, '');
  }
  if (result.failure?.hint) lines.push(`> ${paragraph(result.failure.hint)}`, '');
  lines.push(`<sub>quetzal/deploy-action ${version} · ${result.seconds.toFixed(1)} s</sub>`, '');
  return lines.join('\n');
}

/** A message of several lines (a list of problems) as one Markdown paragraph, each line escaped. */
function paragraph(message: string): string {
  return message.split('\n').map(mdText).join('<br>');
}
