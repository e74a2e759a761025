import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runnerContext, type GitHubContext } from '../../../src/action/context.ts';

/** runnerContext() with `env` in place of the GITHUB_ variables of process.env, as a runner sets them. */
function contextWith(env: Record<string, string>, event?: unknown): ReturnType<typeof runnerContext> {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('GITHUB_')) delete process.env[key];
  if (event !== undefined) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'event-')), 'event.json');
    fs.writeFileSync(file, typeof event === 'string' ? event : JSON.stringify(event));
    process.env.GITHUB_EVENT_PATH = file;
  }
  Object.assign(process.env, env);
  try {
    return runnerContext(undefined, env);
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

const RUNNER = {
  GITHUB_WORKSPACE: '/home/runner/work/model',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_REF: 'refs/tags/v1.2.0',
  GITHUB_REPOSITORY: 'quetzal/paris',
  GITHUB_SERVER_URL: 'https://github.example',
  GITHUB_RUN_ID: '987654321012',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_ACTOR: 'ada',
  AWS_REGION: 'eu-west-3',
};

describe('the runner context', () => {
  it('reads the run and the commit from the environment and the push event, when it is called', () => {
    const { run, git } = contextWith(RUNNER, { before: 'b'.repeat(40), after: 'a'.repeat(40) });
    assert.deepEqual(run, { workspace: '/home/runner/work/model', eventName: 'push', environmentRegion: 'eu-west-3' });
    assert.deepEqual(git, {
      sha: 'a'.repeat(40),
      ref: 'refs/tags/v1.2.0',
      before: 'b'.repeat(40),
      after: 'a'.repeat(40),
      repositoryUrl: 'https://github.example/quetzal/paris',
      eventName: 'push',
      runId: '987654321012-2',
      runUrl: 'https://github.example/quetzal/paris/actions/runs/987654321012',
      actor: 'ada',
    });
  });

  it('leaves out what the runner does not tell: no event file, no repository, no run', () => {
    const { run, git } = contextWith({ GITHUB_EVENT_NAME: 'workflow_dispatch' });
    assert.equal(run.eventName, 'workflow_dispatch');
    assert.equal(run.workspace, process.cwd());
    assert.deepEqual(git, { eventName: 'workflow_dispatch', sha: undefined, ref: undefined, before: undefined, after: undefined, repositoryUrl: undefined, runId: undefined, runUrl: undefined, actor: undefined });
  });

  it('takes the repository from the event when GITHUB_REPOSITORY is not set, and no before or after that is not text', () => {
    const { git } = contextWith({ GITHUB_RUN_ID: '5' }, { before: 12, repository: { name: 'paris', owner: { login: 'quetzal' } } });
    assert.equal(git.repositoryUrl, 'https://github.com/quetzal/paris');
    assert.equal(git.runId, '5-1', 'attempt 1 when GITHUB_RUN_ATTEMPT is not set');
    assert.equal(git.before, undefined);
  });

  it('an event file that is not JSON is read as an empty event: the run goes on without before and after', () => {
    const { git } = contextWith({ GITHUB_SHA: 'a'.repeat(40), GITHUB_EVENT_NAME: 'push' }, '{ not json');
    assert.equal(git.sha, 'a'.repeat(40));
    assert.equal(git.before, undefined);
    assert.equal(git.after, undefined);
  });

  it('accepts a context given to it', () => {
    const github: GitHubContext = {
      sha: 'c'.repeat(40), ref: 'refs/heads/main', eventName: 'pull_request', payload: {}, runId: Number.NaN, runAttempt: Number.NaN,
      actor: '', serverUrl: 'https://github.com', apiUrl: 'https://api.github.com', repo: { owner: 'quetzal', repo: 'lyon' },
    };
    const { git } = runnerContext(github, {});
    assert.equal(git.sha, 'c'.repeat(40));
    assert.equal(git.repositoryUrl, 'https://github.com/quetzal/lyon');
    assert.equal(git.runId, undefined);
  });
});

describe('the pull request of the event', () => {
  const pull = (head: string, sha: unknown = 'b'.repeat(40)) => ({
    number: 7,
    pull_request: { number: 7, head: { sha, repo: { full_name: head } }, base: { repo: { full_name: 'quetzal/paris' } } },
  });

  it('is read from a pull_request event: its number, head commit and API root', () => {
    const { pullRequest } = contextWith({ ...RUNNER, GITHUB_EVENT_NAME: 'pull_request', GITHUB_API_URL: 'https://ghe.example/api/v3' }, pull('quetzal/paris'));
    assert.deepEqual(pullRequest, {
      owner: 'quetzal', repo: 'paris', number: 7, headSha: 'b'.repeat(40), fromFork: false, eventName: 'pull_request',
      apiUrl: 'https://ghe.example/api/v3', serverUrl: 'https://github.example',
    });
  });

  it('knows a pull request from a fork, and a head SHA that is not one falls back to the run\'s', () => {
    const { pullRequest } = contextWith({ ...RUNNER, GITHUB_EVENT_NAME: 'pull_request_target' }, pull('someone/paris', 'x'.repeat(40)));
    assert.equal(pullRequest?.fromFork, true);
    assert.equal(pullRequest?.headSha, 'a'.repeat(40));
  });

  it('is none on a push, or when the event has no pull request number', () => {
    assert.equal(contextWith(RUNNER, pull('quetzal/paris')).pullRequest, undefined);
    assert.equal(contextWith({ ...RUNNER, GITHUB_EVENT_NAME: 'pull_request' }, { pull_request: { number: '7' } }).pullRequest, undefined);
  });
});
