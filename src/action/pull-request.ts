/**
 * The pull-request comment, kept by the Action's door after the run: one comment per model folder, written with
 * input `github-token` (inputs `comment`: auto / always / never). The GitHub client (./comment.ts, @actions/github)
 * is loaded only here, when a comment is made: a push never pays for it.
 */
import path from 'node:path';
import type { Settings } from '../ground/settings/index.ts';
import { clip } from '../ground/printable.ts';
import { commentMarker, renderComment } from '../pipeline/comment.ts';
import type { RunResult } from '../pipeline/run.ts';
import { VERSION } from '../version.ts';
import type { PullRequest } from './context.ts';
import type { Runner } from './runner.ts';

const PERMISSION_HINT = 'give the job `permissions: pull-requests: write` (a pull request from a fork gets a read-only token: use `comment: never` there, or accept this notice)';

export async function keepPullRequestComment(runner: Runner, pullRequest: PullRequest, settings: Settings, result: RunResult, runUrl?: string): Promise<void> {
  const { when, token } = settings.comment;
  if (when === 'never') return;
  // `auto` comments where the token may write; `always` tries anyway and fails the step when GitHub refuses.
  const refuse = (message: string) => (when === 'always' ? runner.setFailed(message) : runner.annotate('notice', message));
  if (token === undefined) return refuse('No pull-request comment: input `github-token` is empty.');
  if (when === 'auto' && pullRequest.fromFork && pullRequest.eventName === 'pull_request') {
    return refuse('No pull-request comment: on a pull request from a fork the token may only read (set `comment: always` to try anyway).');
  }
  const { workspace, modelFolder } = settings.model;
  const folder = path.relative(workspace, modelFolder).split(path.sep).join('/') || '.';
  const body = renderComment(result, {
    workspace,
    version: VERSION,
    modelFolder: folder,
    blobUrl: `${pullRequest.serverUrl}/${pullRequest.owner}/${pullRequest.repo}/blob/${pullRequest.headSha}`,
    runUrl,
  });
  const { upsertPullRequestComment } = await import('./comment.ts');
  try {
    const outcome = await upsertPullRequestComment({
      apiUrl: pullRequest.apiUrl,
      token,
      owner: pullRequest.owner,
      repo: pullRequest.repo,
      issueNumber: pullRequest.number,
      marker: commentMarker(folder),
      body,
    });
    if (outcome.kind === 'refused') {
      return refuse(`GitHub refused the pull-request comment (HTTP ${outcome.status}: ${clip(outcome.message, 200)}): ${PERMISSION_HINT}.`);
    }
    runner.info(`Pull-request comment ${outcome.kind}: ${outcome.url}`);
  } catch (error) {
    const message = `The pull-request comment could not be written: ${clip(error instanceof Error ? error.message : String(error), 300)}`;
    if (when === 'always') runner.setFailed(message);
    else runner.annotate('warning', message);
  }
}
