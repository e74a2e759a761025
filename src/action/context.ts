// @actions/github's Context, by its file: the package exports only its index, which builds an Octokit client and
// loads undici when imported (540 kB, about 120 ms of start-up on every run); the class reads the environment and
// the event file, nothing else.
import { Context } from '../../node_modules/@actions/github/lib/context.js';
import type { GitContext } from '../ground/git.ts';
import type { RunContext } from '../ground/settings/model.ts';

/** What of @actions/github's context the action reads. */
export type GitHubContext = Pick<Context, 'sha' | 'ref' | 'eventName' | 'payload' | 'runId' | 'runAttempt' | 'actor' | 'serverUrl' | 'repo'>;

/**
 * What the GitHub runner tells the action about this run. `github` is read from the environment when this is
 * called (by default a fresh Context, not the one @actions/github builds when it is imported).
 */
export function runnerContext(github: GitHubContext = readContext(), env: NodeJS.ProcessEnv = process.env): { run: RunContext; git: GitContext } {
  const repository = repositoryOf(github);
  const repositoryUrl = repository && github.serverUrl ? `${github.serverUrl}/${repository}` : undefined;
  const runId = github.runId > 0 ? github.runId : undefined;
  const eventName = github.eventName || undefined;
  return {
    run: {
      workspace: env.GITHUB_WORKSPACE || process.cwd(),
      eventName,
      environmentRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    },
    git: {
      sha: github.sha || undefined,
      ref: github.ref || undefined,
      before: stringOrUndefined(github.payload.before),
      after: stringOrUndefined(github.payload.after),
      repositoryUrl,
      eventName,
      runId: runId ? `${runId}-${github.runAttempt > 0 ? github.runAttempt : 1}` : undefined,
      runUrl: repositoryUrl && runId ? `${repositoryUrl}/actions/runs/${runId}` : undefined,
      actor: github.actor || undefined,
    },
  };
}

/** A fresh Context; an event file that is not JSON (the Context then throws) is read as an empty event. */
function readContext(): Context {
  try {
    return new Context();
  } catch {
    const eventPath = process.env.GITHUB_EVENT_PATH;
    delete process.env.GITHUB_EVENT_PATH;
    try {
      return new Context();
    } finally {
      process.env.GITHUB_EVENT_PATH = eventPath;
    }
  }
}

/** `owner/name`, from GITHUB_REPOSITORY or the event; undefined when neither tells (`repo` then throws). */
function repositoryOf(github: GitHubContext): string | undefined {
  try {
    const { owner, repo } = github.repo;
    return owner && repo ? `${owner}/${repo}` : undefined;
  } catch {
    return undefined;
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
