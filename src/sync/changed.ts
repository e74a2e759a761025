/**
 * Which files a push changed, from git: `git diff --name-only <before> <after>` run inside the model folder
 * (paths relative to it). Null when it cannot tell: no `before` (a new branch: all zeros), or `before` not in
 * the clone (shallow checkout, force push): the caller then compares every scenario by content.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

const SHA = /^[0-9a-f]{4,64}$/i;

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'core.quotepath=off', ...args], { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

async function isCommit(cwd: string, ref: string): Promise<boolean> {
  try {
    await git(cwd, ['cat-file', '-e', `${ref}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Paths (relative to `repoDir`, `/`-separated) changed between two commits, deleted and renamed-from paths
 * included; only changes under `repoDir` are listed. Null when unknown.
 */
export async function changedFilesBetween(repoDir: string, before: string | undefined, after: string | undefined): Promise<string[] | null> {
  const from = (before ?? '').trim();
  const to = (after ?? '').trim() || 'HEAD';
  if (from === '' || /^0+$/.test(from) || !SHA.test(from)) return null;
  if (to !== 'HEAD' && !SHA.test(to)) return null;
  if (!(await isCommit(repoDir, from)) || !(await isCommit(repoDir, to))) return null;
  try {
    const output = await git(repoDir, ['diff', '--name-only', '--no-renames', '--relative', '-z', from, to, '--', '.']);
    return output.split('\0').filter((path) => path.length > 0);
  } catch {
    return null;
  }
}

/**
 * Git blob ids of the files under `dir` that git tracks and that are unmodified in the working tree
 * (paths relative to `dir`). Two files with the same blob id and size have the same content, so the sync can
 * skip re-hashing a file whose blob it recorded at its last upload. Null when `dir` is not in a git work tree.
 * Symbolic links and submodules are left out.
 */
export async function cleanTrackedBlobs(dir: string): Promise<Map<string, string> | null> {
  try {
    const [listed, modified] = await Promise.all([
      git(dir, ['ls-files', '--stage', '-z', '--', '.']),
      git(dir, ['diff', '--name-only', '--relative', '-z', '--', '.']),
    ]);
    const dirty = new Set(modified.split('\0').filter((path) => path.length > 0));
    const blobs = new Map<string, string>();
    for (const record of listed.split('\0')) {
      const match = /^(\d{6}) ([0-9a-f]{40,64}) (\d)\t(.+)$/s.exec(record);
      if (!match) continue;
      const [, mode, blob, stage, path] = match;
      if (stage !== '0' || (mode !== '100644' && mode !== '100755') || dirty.has(path)) continue;
      blobs.set(path, blob);
    }
    return blobs;
  } catch {
    return null;
  }
}
