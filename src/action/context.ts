import fs from 'node:fs';
import type { GitContext } from '../ground/git.ts';
import type { RunContext } from '../ground/settings/model.ts';

/** What the GitHub runner tells the action about this run, read from its environment and event file. */
export function runnerContext(env: NodeJS.ProcessEnv = process.env): { run: RunContext; git: GitContext } {
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const ref = env.GITHUB_REF || undefined;
  const repositoryUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : undefined;
  return {
    run: {
      workspace: env.GITHUB_WORKSPACE || process.cwd(),
      eventName: env.GITHUB_EVENT_NAME || undefined,
      environmentRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    },
    git: {
      sha: env.GITHUB_SHA || undefined,
      ref,
      before: typeof event.before === 'string' ? event.before : undefined,
      after: typeof event.after === 'string' ? event.after : undefined,
      repositoryUrl,
      eventName: env.GITHUB_EVENT_NAME || undefined,
      runId: env.GITHUB_RUN_ID ? `${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT || '1'}` : undefined,
      runUrl: repositoryUrl && env.GITHUB_RUN_ID ? `${repositoryUrl}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
      actor: env.GITHUB_ACTOR || undefined,
    },
  };
}

function readEvent(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
