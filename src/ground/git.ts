import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** What the run knows of the commit being deployed. The Action fills it from the runner; the CLI from git. */
export interface GitContext {
  /** The commit being deployed (40 hex), when known. */
  sha?: string;
  /** Full ref, e.g. `refs/heads/main` or `refs/tags/v1.2.0`. */
  ref?: string;
  /** Push event: the commit before the push (all zeros for a new branch). */
  before?: string;
  /** Push event: the commit after the push. */
  after?: string;
  /** e.g. https://github.com/org/model — for the image's OCI source label and links. */
  repositoryUrl?: string;
  eventName?: string;
  /** Names this run to whoever waits for its deploy lock: the GitHub run (with attempt), or the CLI's host and pid. */
  runId?: string;
  /** Link to the run, when there is one. */
  runUrl?: string;
  actor?: string;
}

/** `refs/tags/v1.2.0` → `v1.2.0`; undefined for any other ref. */
export function tagOfRef(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
}

const SHA = /^[0-9a-f]{4,64}$/i;
const run = promisify(execFile);

/**
 * Runs git in `cwd` (paths printed as they are, not quoted; no shell) and returns its standard output.
 * Not @actions/exec: it splits every output into lines as it comes, re-reading all that has no line feed yet, and
 * `-z` listings have none: 230 ms instead of 45 for 50,000 paths (4.9 MB), 780 instead of 100 for twice as many.
 */
export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'core.quotepath=off', ...args], { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/**
 * Which files a push changed: `git diff --name-only <before> <after>` run inside `repoDir`, as paths relative to
 * it (`/`-separated), deleted and renamed-from paths included; only changes under `repoDir` are listed.
 * Null when it cannot tell: no `before` (a new branch: all zeros), or `before` not in the clone (shallow
 * checkout, force push): the caller then compares every scenario by content.
 */
export async function changedFilesBetween(repoDir: string, before: string | undefined, after: string | undefined): Promise<string[] | null> {
  const from = (before ?? '').trim();
  const to = (after ?? '').trim() || 'HEAD';
  if (from === '' || /^0+$/.test(from) || !SHA.test(from)) return null;
  if (to !== 'HEAD' && !SHA.test(to)) return null;
  try {
    // One git call: it fails when either is not a commit of the clone (shallow checkout, force push).
    const output = await git(repoDir, ['diff', '--name-only', '--no-renames', '--relative', '-z', `${from}^{commit}`, `${to}^{commit}`, '--', '.']);
    return output.split('\0').filter((path) => path.length > 0);
  } catch {
    return null;
  }
}
