/** What the model folder holds: its scenarios and model-wide files, as S3-relative paths. */
import { statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { scenarioNameProblem } from './options.ts';
import { DeployError } from '../deploy/step.ts';

export interface LocalFile {
  /** Path relative to the target's prefix, with `/` separators (the rest of the S3 key). */
  rel: string;
  /** Absolute path on disk. */
  path: string;
  size: number;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Size of a regular file (following links), or undefined. Synchronous: microseconds, no thread-pool round trip. */
function fileSize(path: string): number | undefined {
  try {
    const info = statSync(path, { throwIfNoEntry: false });
    return info?.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

export function scenariosFolder(modelFolder: string): string {
  return join(modelFolder, 'scenarios');
}

/**
 * Names of the local scenarios (folders under `<model>/scenarios/`), sorted.
 * Hidden folders (`.ipynb_checkpoints`) are not scenarios; a folder whose name is unsafe as a prefix is an error.
 */
export async function listLocalScenarios(modelFolder: string): Promise<string[]> {
  const folder = scenariosFolder(modelFolder);
  if (!(await isDirectory(folder))) return [];
  const names: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await isDirectory(join(folder, entry.name))));
    if (!isDir) continue;
    const problem = scenarioNameProblem(entry.name);
    if (problem) {
      throw new DeployError(
        `Scenario folder ${JSON.stringify(join(folder, entry.name))} cannot be synced because ${problem}.`,
        'Rename the folder: a scenario name becomes the S3 prefix "<name>/".',
      );
    }
    names.push(entry.name);
  }
  return names.sort();
}

export async function localScenarioExists(modelFolder: string, name: string): Promise<boolean> {
  return isDirectory(join(scenariosFolder(modelFolder), name));
}

/** Every regular file under `folder` (following symbolic links to files), sorted by relative path. */
export async function listFilesUnder(folder: string): Promise<LocalFile[]> {
  if (!(await isDirectory(folder))) return [];
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  const files: LocalFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const path = join(entry.parentPath, entry.name);
    const size = fileSize(path);
    if (size !== undefined) files.push({ rel: relative(folder, path).split(sep).join('/'), path, size });
  }
  return files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** Model-wide files, keyed under `_common/`: modelConfig.json, steps.json, and the docs folder. */
export async function listCommonFiles(modelFolder: string, docsFolder: string): Promise<{ files: LocalFile[]; hasDocs: boolean }> {
  const files: LocalFile[] = [];
  for (const name of ['modelConfig.json', 'steps.json']) {
    const path = join(modelFolder, name);
    const size = fileSize(path);
    if (size !== undefined) files.push({ rel: name, path, size });
  }
  const docsPath = join(modelFolder, ...docsFolder.split('/'));
  const hasDocs = await isDirectory(docsPath);
  if (hasDocs) {
    for (const file of await listFilesUnder(docsPath)) files.push({ ...file, rel: `docs/${file.rel}` });
  }
  return { files, hasDocs };
}
