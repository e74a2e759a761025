/**
 * The pull-request comment's text: the job summary with each finding linked to its line at the pull request's
 * head commit and the long lists folded, under a hidden marker that finds the comment again on the next run. A
 * comment over GitHub's size limit loses the step lists, then the picture, then its tail, and says so.
 */
import path from 'node:path';
import type { Finding } from '../ground/findings.ts';
import type { RunResult } from './run.ts';
import { renderSummary, type SummaryOptions } from './summary.ts';

/** GitHub refuses a comment body longer than this (characters). */
export const COMMENT_LIMIT = 65_536;

export interface CommentPlace {
  workspace: string;
  version: string;
  /** The model folder, relative to the workspace ('.' for the workspace itself). */
  modelFolder: string;
  /** `https://github.com/OWNER/REPO/blob/HEAD_SHA`: where the findings' links point. */
  blobUrl?: string;
  /** The run's page, linked when the comment had to be cut. */
  runUrl?: string;
}

/** The hidden line that marks the comment of one model folder. The folder is encoded: no `-->` can close it. */
export function commentMarker(modelFolder: string): string {
  return `<!-- quetzal/deploy-action model=${encodeURIComponent(modelFolder)} -->`;
}

export function renderComment(result: RunResult, place: CommentPlace, limit = COMMENT_LIMIT): string {
  const marker = commentMarker(place.modelFolder);
  const base: SummaryOptions = { modelFolder: place.modelFolder, foldStepDetails: true, linkOf: (finding) => lineLink(finding, place) };
  const attempts: SummaryOptions[] = [base, { ...base, omitStepDetails: true }, { ...base, omitStepDetails: true, omitPicture: true }];
  const cutNote = `> ✂️ Cut to GitHub's comment size limit: the whole report is in the ${place.runUrl ? `[run's job summary](${place.runUrl})` : "run's job summary"}.`;
  for (const [index, options] of attempts.entries()) {
    const summary = renderSummary(result, place.workspace, place.version, options);
    const body = index === 0 ? `${marker}\n${summary}` : `${marker}\n${summary}\n${cutNote}\n`;
    if (body.length <= limit) return body;
  }
  const summary = renderSummary(result, place.workspace, place.version, attempts[2]);
  return `${marker}\n${cutAtLine(summary, limit - marker.length - cutNote.length - 16)}\n\n${cutNote}\n`;
}

/** The finding's line at the head commit; none for a finding about an input or outside the workspace. */
function lineLink(finding: Finding, place: CommentPlace): string | undefined {
  if (place.blobUrl === undefined || finding.file === '') return undefined;
  const relative = path.relative(place.workspace, finding.file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const encoded = relative.split(path.sep).map(encodeURIComponent).join('/');
  return `${place.blobUrl}/${encoded}${finding.line === undefined ? '' : `#L${finding.line}`}`;
}

/** The text's first lines that fit in `room` characters (no fence is open: the picture and the lists are out). */
function cutAtLine(text: string, room: number): string {
  const kept: string[] = [];
  let length = 0;
  for (const line of text.split('\n')) {
    if (length + line.length + 1 > room) break;
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join('\n');
}
