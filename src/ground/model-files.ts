/**
 * Lists the files of a folder of the model as the repository holds them, without ever following a symbolic link:
 * a committed link can point anywhere on the runner (`../../../.git/config` holds the job's token), so a link, a
 * special file (a FIFO would hang a read) or a name with a control character is refused, never read. Nothing under
 * a `.git` folder is listed.
 */
import { lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hasControlCharacter } from './printable.ts';

export interface TreeFile {
  /** Path relative to the listed folder, with `/` separators. */
  rel: string;
  /** Absolute path on disk. */
  path: string;
  size: number;
}

export interface RefusedEntry {
  /** Absolute path on disk. */
  path: string;
  /** Why it is not synced, and what to do: one sentence. */
  problem: string;
}

export interface Tree {
  files: TreeFile[];
  refused: RefusedEntry[];
}

const LINK_PROBLEM = 'is a symbolic link, which the action never follows (it could point outside the model, at the runner\'s secrets): commit the file or folder itself';

/** Why the entry at `path` cannot be synced, or undefined for a regular file or folder with a printable name. */
function entryProblem(name: string, kind: 'file' | 'directory' | 'link' | 'other'): string | undefined {
  if (kind === 'link') return LINK_PROBLEM;
  if (kind === 'other') return 'is not a regular file (a FIFO, socket or device): remove it from the model folder';
  if (hasControlCharacter(name)) return 'has a control character (a line feed, a tab, an escape) in its name: rename it';
  return undefined;
}

function kindOf(entry: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): 'file' | 'directory' | 'link' | 'other' {
  if (entry.isSymbolicLink()) return 'link';
  if (entry.isDirectory()) return 'directory';
  return entry.isFile() ? 'file' : 'other';
}

/** The kind of what stands at `path` (not following a link), or undefined when nothing does. */
export function pathKind(path: string): 'file' | 'directory' | 'link' | 'other' | undefined {
  const info = lstatSync(path, { throwIfNoEntry: false });
  return info && kindOf(info);
}

/** Every regular file under `folder`, sorted by relative path, and every entry refused; a missing folder is empty. */
export async function listTree(folder: string): Promise<Tree> {
  const files: TreeFile[] = [];
  const refused = await walkTree(folder, (rel, path) => files.push({ rel, path, size: lstatSync(path).size }));
  return { files: files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)), refused };
}

/** Every entry under `folder` the sync would refuse, sorted; the files themselves are not looked at (validate's check). */
export function refusedUnder(folder: string): Promise<RefusedEntry[]> {
  return walkTree(folder, () => {});
}

/**
 * Walks `folder` without following a link, calling `onFile` with each regular file's relative path (`/`
 * separators) and absolute path; returns the entries refused, sorted by path.
 */
async function walkTree(folder: string, onFile: (rel: string, path: string) => void): Promise<RefusedEntry[]> {
  const rootKind = pathKind(folder);
  if (rootKind === undefined) return [];
  if (rootKind !== 'directory') return [{ path: folder, problem: rootKind === 'link' ? LINK_PROBLEM : 'is not a folder' }];
  const refused: RefusedEntry[] = [];
  const folders = [{ path: folder, rel: '' }];
  for (let current = folders.pop(); current !== undefined; current = folders.pop()) {
    for (const entry of await readdir(current.path, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const path = join(current.path, entry.name);
      const rel = current.rel + entry.name;
      const kind = kindOf(entry);
      const problem = entryProblem(entry.name, kind);
      if (problem) refused.push({ path, problem });
      else if (kind === 'directory') folders.push({ path, rel: `${rel}/` });
      else onFile(rel, path);
    }
  }
  return refused.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Model-wide files, synced to `_common/` with the docs folder. */
const MODEL_WIDE_FILES = ['modelConfig.json', 'steps.json'] as const;

/**
 * The model-wide files and the docs folder (`docs-folder`, relative to the model) as the sync reads them: their
 * regular files, keyed `modelConfig.json`, `steps.json`, `docs/<path>`, and every entry refused, a folder on the
 * way to a nested docs folder (`site/docs`) included.
 */
export async function listModelWide(modelFolder: string, docsFolder: string): Promise<Tree & { hasDocs: boolean }> {
  const tree: Tree & { hasDocs: boolean } = { files: [], refused: [], hasDocs: false };
  for (const name of MODEL_WIDE_FILES) {
    const path = join(modelFolder, name);
    const kind = pathKind(path);
    if (kind === 'file') tree.files.push({ rel: name, path, size: lstatSync(path).size });
    else if (kind === 'link' || kind === 'other') tree.refused.push({ path, problem: entryProblem(name, kind)! });
  }
  const parts = docsFolder.split('/');
  for (let depth = 1; depth < parts.length; depth += 1) {
    const above = join(modelFolder, ...parts.slice(0, depth));
    const kind = pathKind(above);
    if (kind === 'link') tree.refused.push({ path: above, problem: LINK_PROBLEM });
    if (kind !== 'directory') return tree;
  }
  const docsPath = join(modelFolder, ...parts);
  const docs = await listTree(docsPath);
  tree.refused.push(...docs.refused);
  tree.hasDocs = pathKind(docsPath) === 'directory';
  for (const file of docs.files) tree.files.push({ ...file, rel: `docs/${file.rel}` });
  return tree;
}

/**
 * The folders under `<model>/scenarios/` as the sync sees them, sorted: hidden ones (`.ipynb_checkpoints`) are no
 * scenarios, a link is refused, other entries are passed over. `scenarios/` itself as a link is refused.
 */
export async function listScenarioFolders(scenariosFolder: string): Promise<{ names: string[]; refused: RefusedEntry[] }> {
  const kind = pathKind(scenariosFolder);
  if (kind === 'link' || kind === 'other') return { names: [], refused: [{ path: scenariosFolder, problem: entryProblem('scenarios', kind)! }] };
  if (kind !== 'directory') return { names: [], refused: [] };
  const names: string[] = [];
  const refused: RefusedEntry[] = [];
  for (const entry of await readdir(scenariosFolder, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isSymbolicLink()) refused.push({ path: join(scenariosFolder, entry.name), problem: LINK_PROBLEM });
    else if (entry.isDirectory()) names.push(entry.name);
  }
  return { names: names.sort(), refused };
}
