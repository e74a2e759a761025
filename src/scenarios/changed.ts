/**
 * What git knows of the model's files: which tracked files are unmodified in the working tree, and their blob ids,
 * so that the sync reads again only files whose content may differ from what it recorded.
 */
import { spawn } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { git } from '../ground/git.ts';

/** What the index recorded of a file when it last matched its blob (`git ls-files --debug`). */
interface IndexEntry {
  path: string;
  blob: string;
  /** Seconds (32 bits, as the index stores them) and nanoseconds. */
  ctime: [bigint, bigint];
  mtime: [bigint, bigint];
  /** Low 32 bits, as the index stores them. */
  ino: bigint;
  size: bigint;
}

const INDEX_ENTRY =
  /(\d{6}) ([0-9a-f]{40,64}) (\d)\t([^\0]+)\0 {2}ctime: (\d+):(\d+)\n {2}mtime: (\d+):(\d+)\n {2}dev: \d+\tino: (\d+)\n {2}uid: \d+\tgid: \d+\n {2}size: (\d+)\tflags: [0-9a-f]+\n/y;

/** Entries of `git ls-files --stage --debug -z`; null when the output is not in the expected form. */
export function parseIndexListing(listing: string): IndexEntry[] | null {
  const entries: IndexEntry[] = [];
  INDEX_ENTRY.lastIndex = 0;
  while (INDEX_ENTRY.lastIndex < listing.length) {
    const match = INDEX_ENTRY.exec(listing);
    if (!match) return null;
    const [, mode, blob, stage, path, cs, cn, ms, mn, ino, size] = match;
    if (stage !== '0' || (mode !== '100644' && mode !== '100755')) continue; // conflicts, links, submodules
    entries.push({ path, blob, ctime: [BigInt(cs), BigInt(cn)], mtime: [BigInt(ms), BigInt(mn)], ino: BigInt(ino), size: BigInt(size) });
  }
  return entries;
}

const low32 = (value: bigint) => BigInt.asUintN(32, value);
const NS = 1_000_000_000n;

/** What a file's stat says of it, against what the index recorded (times in nanoseconds). */
export type IndexedFileState = 'clean' | 'modified' | 'racy';

/**
 * `clean`: the file is the one the index recorded (same size, inode, ctime and mtime to the nanosecond) and was
 * last modified before the index was written; `racy`: the same, but modified in the tick the index was written
 * (its content could have changed after git read it), so only its content can tell; `modified` otherwise.
 */
export function indexedFileState(
  entry: Pick<IndexEntry, 'ctime' | 'mtime' | 'ino' | 'size'>,
  file: { size: bigint; ino: bigint; mtimeNs: bigint; ctimeNs: bigint },
  indexWrittenNs: bigint,
): IndexedFileState {
  const same =
    low32(file.size) === entry.size &&
    low32(file.ino) === entry.ino &&
    low32(file.mtimeNs / NS) === entry.mtime[0] &&
    file.mtimeNs % NS === entry.mtime[1] &&
    low32(file.ctimeNs / NS) === entry.ctime[0] &&
    file.ctimeNs % NS === entry.ctime[1];
  if (!same) return 'modified';
  return file.mtimeNs < indexWrittenNs ? 'clean' : 'racy';
}

/** Above this many racily clean files, git checks the whole folder rather than a list of paths. */
const MAX_PATHS_FOR_GIT = 1000;

/**
 * Git blob ids of the files under `dir` that git tracks and that are unmodified in the working tree
 * (paths relative to `dir`). Two files with the same blob id and size have the same content, so the sync can
 * skip re-hashing a file whose blob it recorded at its last upload. Null when `dir` is not in a git work tree.
 * Symbolic links and submodules are left out.
 *
 * A file is unmodified when its size, inode, ctime and mtime are those the index recorded, to the nanosecond,
 * and it was last modified before the index was written. This is git's own test, except that git compares times
 * to the second: right after a checkout every file is "racily clean" for git, and `git diff` would read and hash
 * the whole tree again (a quarter of a second for 100 MB). Files modified in the same clock tick as the index
 * was written are left to git (`git diff` on those paths only), as are all of them when the listing cannot be read.
 */
export async function cleanTrackedBlobs(dir: string): Promise<Map<string, string> | null> {
  try {
    const indexPath = resolve(dir, (await git(dir, ['rev-parse', '--git-path', 'index'])).trim());
    // The index's time is read before its entries: were it rewritten in between, its entries would only be newer.
    const indexWritten = (await stat(indexPath, { bigint: true })).mtimeNs;
    const entries = parseIndexListing(await git(dir, ['ls-files', '--stage', '--debug', '-z', '--', '.']));
    if (entries === null) return await blobsCheckedByGit(dir);
    const blobs = new Map<string, string>();
    const racy: IndexEntry[] = [];
    // One synchronous lstat each: microseconds, where a promise per file costs a round trip through the thread pool.
    for (const entry of entries) {
      const info = lstatSync(join(dir, entry.path), { bigint: true, throwIfNoEntry: false });
      if (!info?.isFile()) continue; // gone
      const state = indexedFileState(entry, info, indexWritten);
      if (state === 'clean') blobs.set(entry.path, entry.blob);
      else if (state === 'racy') racy.push(entry);
      // modified: the sync hashes it
    }
    if (racy.length > 0) {
      const dirty = await modifiedPaths(dir, racy.length <= MAX_PATHS_FOR_GIT ? racy.map((entry) => entry.path) : undefined);
      for (const entry of racy) if (!dirty.has(entry.path)) blobs.set(entry.path, entry.blob);
    }
    return blobs;
  } catch {
    return null;
  }
}

/** Paths git finds modified (content compared) under `dir`, or among `paths` (relative to `dir`). */
async function modifiedPaths(dir: string, paths?: string[]): Promise<Set<string>> {
  const args = ['diff', '--name-only', '--relative', '-z', '--', ...(paths ?? ['.'])];
  const output = await git(dir, paths ? ['--literal-pathspecs', ...args] : args);
  return new Set(output.split('\0').filter((path) => path.length > 0));
}

/** The blob ids of clean tracked files as `git diff` finds them (it hashes every racily clean file). */
async function blobsCheckedByGit(dir: string): Promise<Map<string, string>> {
  const [listed, dirty] = await Promise.all([git(dir, ['ls-files', '--stage', '-z', '--', '.']), modifiedPaths(dir)]);
  const blobs = new Map<string, string>();
  for (const record of listed.split('\0')) {
    const match = /^(\d{6}) ([0-9a-f]{40,64}) (\d)\t(.+)$/s.exec(record);
    if (!match) continue;
    const [, mode, blob, stage, path] = match;
    if (stage !== '0' || (mode !== '100644' && mode !== '100755') || dirty.has(path)) continue;
    blobs.set(path, blob);
  }
  return blobs;
}

/**
 * Of `paths` (relative to `dir`, all under `folder`), those git's ignore rules exclude (the `.gitignore` files,
 * `.git/info/exclude`, `core.excludesFile`); a tracked file is never one. Empty when `dir` is not in a git work tree.
 * `check-ignore --no-index` matches the patterns alone (asking the index for each path costs 0.2 ms a path: 2 s
 * for 10,000), and the files git tracks under `folder` are taken out. Paths go through standard input,
 * NUL-separated: any name, any number.
 */
export async function ignoredByGit(dir: string, folder: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  try {
    const [ignored, tracked] = await Promise.all([
      gitWithInput(dir, ['check-ignore', '--no-index', '-z', '--stdin'], `${paths.join('\0')}\0`),
      git(dir, ['--literal-pathspecs', 'ls-files', '-z', '--cached', '--', folder === '' ? '.' : folder]),
    ]);
    const isTracked = new Set(tracked.split('\0'));
    return new Set(ignored.split('\0').filter((path) => path !== '' && !isTracked.has(path)));
  } catch {
    return new Set();
  }
}

/** A git command fed `input`; its output. Exit 1 (check-ignore: nothing matched) is an empty answer. */
function gitWithInput(dir: string, args: string[], input: string): Promise<string> {
  return new Promise((resolveOutput, reject) => {
    const child = spawn('git', ['-c', 'core.quotepath=off', ...args], { cwd: dir, stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 || code === 1 ? resolveOutput(code === 0 ? Buffer.concat(chunks).toString('utf8') : '') : reject(new Error(`git ${args[0]} exited with ${code}`))));
    child.stdin.on('error', () => {}); // git exits early outside a work tree
    child.stdin.end(input);
  });
}
