/** What the model folder holds: its scenarios and model-wide files, as S3-relative paths. */
import { join } from 'node:path';
import { listModelWide, listScenarioFolders, listTree, pathKind, type RefusedEntry, type TreeFile } from '../ground/model-files.ts';
import { printable } from '../ground/printable.ts';
import { scenarioNameProblem } from '../ground/settings/sync.ts';
import { DeployError } from '../ground/errors.ts';

export type LocalFile = TreeFile;

export function scenariosFolder(modelFolder: string): string {
  return join(modelFolder, 'scenarios');
}

/** Stops the sync before any write when the repository holds something it must not upload. */
function refuse(refused: readonly RefusedEntry[]): void {
  if (refused.length === 0) return;
  const shown = refused.slice(0, 20).map((entry) => `${printable(entry.path)} ${entry.problem}`);
  if (refused.length > 20) shown.push(`... and ${refused.length - 20} more`);
  throw new DeployError(
    `The model folder holds ${refused.length} entr${refused.length === 1 ? 'y' : 'ies'} the sync refuses:\n${shown.join('\n')}`,
    'Nothing was written. Fix each entry named (mode: validate lists them as findings), then rerun.',
  );
}

/**
 * Names of the local scenarios (folders under `<model>/scenarios/`), sorted.
 * Hidden folders (`.ipynb_checkpoints`) are not scenarios; a link, or a folder whose name is unsafe as a prefix, is
 * an error.
 */
export async function listLocalScenarios(modelFolder: string): Promise<string[]> {
  const folder = scenariosFolder(modelFolder);
  if (pathKind(folder) === 'file') refuse([{ path: folder, problem: 'is not a folder' }]);
  const { names, refused } = await listScenarioFolders(folder);
  refuse(refused);
  for (const name of names) {
    const problem = scenarioNameProblem(name);
    if (problem) {
      throw new DeployError(
        `Scenario folder ${JSON.stringify(join(folder, name))} cannot be synced because ${problem}.`,
        'Rename the folder: a scenario name becomes the S3 prefix "<name>/".',
      );
    }
  }
  return names;
}

/** True when the scenario's folder exists (a link to a folder counts: listing it is refused). */
export async function localScenarioExists(modelFolder: string, name: string): Promise<boolean> {
  const kind = pathKind(join(scenariosFolder(modelFolder), name));
  return kind === 'directory' || kind === 'link';
}

/** Every regular file under `folder`, sorted by relative path; a link or special file stops the sync. */
export async function listFilesUnder(folder: string): Promise<LocalFile[]> {
  const tree = await listTree(folder);
  refuse(tree.refused);
  return tree.files;
}

/** Model-wide files, keyed under `_common/`: modelConfig.json, steps.json, and the docs folder. */
export async function listCommonFiles(modelFolder: string, docsFolder: string): Promise<{ files: LocalFile[]; hasDocs: boolean }> {
  const { files, refused, hasDocs } = await listModelWide(modelFolder, docsFolder);
  refuse(refused);
  return { files, hasDocs };
}
