/**
 * Which scenarios a run syncs (input `scenarios`): none, the named ones, every local one, or those the push
 * changed. `chooseScenarios` decides from what is known; `selectScenarios` gathers it from the model folder.
 */
import { join } from 'node:path';
import { DeployError } from '../ground/errors.ts';
import type { ScenarioSelection } from '../ground/settings/sync.ts';
import { listLocalScenarios, localScenarioExists, scenariosFolder } from './local.ts';

export interface ChosenScenarios {
  /** The scenarios to sync, in order. */
  names: string[];
  /** How they were chosen, for the log and the report. */
  selection: string;
  /** Scenarios the push changed that have no local folder any more: reported, never synced. */
  removedLocally: string[];
}

/**
 * The scenario folders a push touched (`scenarios/<name>/<something>`), from paths relative to the model folder.
 * Hidden folders are not scenarios.
 */
export function touchedScenarios(changedFiles: readonly string[]): Set<string> {
  const touched = new Set<string>();
  for (const path of changedFiles) {
    const match = /^scenarios\/([^/]+)\/./.exec(path.replace(/\\/g, '/').replace(/^\.\//, ''));
    if (match && !match[1].startsWith('.')) touched.add(match[1]);
  }
  return touched;
}

/**
 * The scenarios to sync. `local` is the sorted list of local scenarios (read only for `all` and `changed`);
 * `changedFiles` the paths the push changed, relative to the model folder, or null when git cannot tell (then
 * `changed` compares every local scenario by content). Named scenarios are taken as they are: their folders are
 * checked before.
 */
export function chooseScenarios(selection: ScenarioSelection, local: readonly string[], changedFiles: readonly string[] | null): ChosenScenarios {
  switch (selection.kind) {
    case 'none':
      return { names: [], selection: 'none', removedLocally: [] };
    case 'names':
      return { names: [...selection.names], selection: selection.names.join(', '), removedLocally: [] };
    case 'all':
      return { names: [...local], selection: 'all', removedLocally: [] };
    case 'changed': {
      if (changedFiles === null) return { names: [...local], selection: 'changed (commits unknown: every scenario compared by content)', removedLocally: [] };
      const touched = [...touchedScenarios(changedFiles)];
      const localSet = new Set(local);
      const names = touched.filter((name) => localSet.has(name)).sort();
      const removedLocally = touched.filter((name) => !localSet.has(name)).sort();
      return { names, selection: `changed (${names.length} of ${local.length})`, removedLocally };
    }
  }
}

/**
 * Reads what `chooseScenarios` needs from the model folder: the local scenarios (for `all` and `changed` only: a
 * folder with an unsafe name stops those), and the changed files (awaited only for `changed`). A named scenario
 * without a folder is an error.
 */
export async function selectScenarios(
  modelFolder: string,
  selection: ScenarioSelection,
  changedFiles: Promise<string[] | null> | null,
): Promise<ChosenScenarios> {
  if (selection.kind === 'names') {
    for (const name of selection.names) {
      if (!(await localScenarioExists(modelFolder, name))) {
        throw new DeployError(
          `Scenario "${name}" (input scenarios) has no folder ${join(scenariosFolder(modelFolder), name)}.`,
          'Name folders that exist under scenarios/, or use "changed" or "all".',
        );
      }
    }
  }
  const local = selection.kind === 'all' || selection.kind === 'changed' ? await listLocalScenarios(modelFolder) : [];
  const changed = selection.kind === 'changed' ? await changedFiles : null;
  return chooseScenarios(selection, local, changed ?? null);
}
