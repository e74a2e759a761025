// @actions/github's Context, by its file: the package exports only its index, which builds an Octokit client and
// loads undici when imported (540 kB, about 120 ms of start-up on every run); the class reads the environment and
// the event file, nothing else.
import { Context } from '../../node_modules/@actions/github/lib/context.js';
import type { GitContext } from '../ground/git.ts';
import type { RunContext } from '../ground/settings/model.ts';

/** What of @actions/github's context the action reads. */
export type GitHubContext = Pick<Context, 'sha' | 'ref' | 'eventName' | 'payload' | 'runId' | 'runAttempt' | 'actor' | 'serverUrl' | 'apiUrl' | 'repo'>;

/** The pull request of a `pull_request` or `pull_request_target` event: where the comment goes. */
export interface PullRequest {
  owner: string;
  repo: string;
  number: number;
  /** The head commit: the findings' links point at its files. */
  headSha: string;
  /** Its head branch lives in a fork: on a `pull_request` event the token may only read. */
  fromFork: boolean;
  eventName: string;
  /** The REST API's root (GITHUB_API_URL: GitHub Enterprise Server has its own). */
  apiUrl: string;
  serverUrl: string;
}

/**
 * What the GitHub runner tells the action about this run. `github` is read from the environment when this is
 * called (by default a fresh Context, not the one @actions/github builds when it is imported).
 */
export function runnerContext(github: GitHubContext = readContext(), env: NodeJS.ProcessEnv = process.env): { run: RunContext; git: GitContext; pullRequest?: PullRequest } {
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
    pullRequest: pullRequestOf(github),
  };
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

/** The event's pull request, when the event is one and its payload says which (the event file is the runner's). */
function pullRequestOf(github: GitHubContext): PullRequest | undefined {
  if (!PULL_REQUEST_EVENTS.has(github.eventName)) return undefined;
  const pull = github.payload.pull_request as { number?: unknown; head?: { sha?: unknown; repo?: { full_name?: unknown } }; base?: { repo?: { full_name?: unknown } } } | undefined;
  const repository = repositoryOf(github);
  if (!pull || typeof pull.number !== 'number' || !Number.isSafeInteger(pull.number) || pull.number < 1 || repository === undefined) return undefined;
  const headSha = typeof pull.head?.sha === 'string' && /^[0-9a-f]{40}$/.test(pull.head.sha) ? pull.head.sha : github.sha;
  const [owner, repo] = repository.split('/');
  const headRepository = pull.head?.repo?.full_name;
  return {
    owner,
    repo,
    number: pull.number,
    headSha,
    fromFork: typeof headRepository === 'string' && headRepository !== (pull.base?.repo?.full_name ?? repository),
    eventName: github.eventName,
    apiUrl: github.apiUrl,
    serverUrl: github.serverUrl,
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
