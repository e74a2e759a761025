/**
 * What is wrong with a notebook path of the model (a `notebook_path` in the definition, a step's `path` in
 * steps.json): the same rules for both, phrased by each caller.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';

export const NOTEBOOK_EXTENSIONS = ['.ipynb', '.py'];

export type NotebookProblem = 'not-a-notebook' | 'backslashes' | 'outside' | 'missing';

/** The model folder's files, listed once per folder. Names are compared exactly, as on Linux, whatever the local file system does. */
export class FolderListing {
  readonly #folders = new Map<string, Set<string> | null>();

  exists(file: string): boolean {
    const folder = dirname(file);
    let files = this.#folders.get(folder);
    if (files === undefined) {
      try {
        files = new Set(readdirSync(folder, { withFileTypes: true }).filter((entry) => !entry.isDirectory()).map((entry) => entry.name));
      } catch {
        files = null;
      }
      this.#folders.set(folder, files);
    }
    return files !== null && files.has(basename(file));
  }
}

/** The first problem of a notebook path relative to `modelFolder`, with the absolute path it was looked for at. */
export function notebookProblem(value: string, modelFolder: string, listing: FolderListing): { problem?: NotebookProblem; full: string } {
  const full = resolve(modelFolder, value);
  if (!NOTEBOOK_EXTENSIONS.some((extension) => value.endsWith(extension))) return { problem: 'not-a-notebook', full };
  if (value.includes('\\')) return { problem: 'backslashes', full };
  const inside = relative(modelFolder, full);
  if (isAbsolute(value) || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return { problem: 'outside', full };
  return { problem: listing.exists(full) ? undefined : 'missing', full };
}
