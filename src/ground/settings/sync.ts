/**
 * The inputs of the scenario sync, parsed and checked before anything is read or written.
 * Both the Action and the CLI call `parseSyncSettings` with their own way of reading an input.
 */
import picomatch from 'picomatch';
import { getBoolean, getChoice, getInteger, getList, inputError, quoted, type InputGetter } from '../inputs.ts';
import { printable } from '../printable.ts';

/** Which scenarios to sync: the ones touched by the push, every local one, none, or a list of names. */
export type ScenarioSelection =
  | { kind: 'changed' }
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'names'; names: string[] };

export type LockedPolicy = 'skip' | 'fail' | 'overwrite';
export type ConflictPolicy = 'fail' | 'skip' | 'overwrite';

export interface SyncSettings {
  scenarios: ScenarioSelection;
  /** Delete remote files of a synced scenario that no longer exist locally (never run artifacts). */
  deleteRemoved: boolean;
  /** Globs, relative to a scenario, of remote files that belong to runs: never deleted, never overwritten. */
  keep: string[];
  /**
   * Globs, relative to a synced folder, of local files never uploaded (LOCAL_CLUTTER_GLOBS and input `exclude`); git's
   * ignore rules apply besides. A remote file they match is never deleted for being absent locally.
   */
  exclude: string[];
  locked: LockedPolicy;
  onConflict: ConflictPolicy;
  uploadConcurrency: number;
}

/** Run artifacts: written by runs of the model, never deleted nor overwritten by a deploy. */
export const RUN_ARTIFACT_GLOBS: readonly string[] = ['outputs/**', 'logs/**', 'info.json', '.lock'];

/** What a laptop leaves beside the data: never uploaded, whatever the repository says. */
export const LOCAL_CLUTTER_GLOBS: readonly string[] = ['**/.ipynb_checkpoints/**', '**/__pycache__/**', '**/.DS_Store', '**/Thumbs.db', '**/desktop.ini'];

export const DEFAULT_UPLOAD_CONCURRENCY = 16;
export const MAX_UPLOAD_CONCURRENCY = 64;

/** Input names, as the Action and the CLI spell them. */
export const SYNC_INPUTS = {
  scenarios: 'scenarios',
  deleteRemoved: 'delete-removed',
  keep: 'keep',
  exclude: 'exclude',
  locked: 'locked',
  onConflict: 'on-conflict',
  uploadConcurrency: 'upload-concurrency',
} as const;

/** Why a scenario name is refused, or undefined when it is a safe S3 prefix. */
export function scenarioNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a control character';
  if (name.includes('/')) return 'it contains "/" (a scenario is one folder under scenarios/)';
  if (name.includes('\\')) return 'it contains "\\"';
  if (name.includes('..')) return 'it contains ".."';
  if (name.startsWith('.')) return 'it starts with "."';
  if (name.trim() !== name) return 'it starts or ends with a space';
  if (name === '_common') return '"_common" holds the model-wide files, not a scenario';
  if (Buffer.byteLength(name) > 512) return 'it is longer than 512 bytes';
  return undefined;
}

function parseSelection(get: InputGetter): ScenarioSelection {
  const raw = get(SYNC_INPUTS.scenarios);
  const keyword = raw.trim().toLowerCase();
  if (keyword === '' || keyword === 'changed') return { kind: 'changed' };
  if (keyword === 'all') return { kind: 'all' };
  if (keyword === 'none') return { kind: 'none' };
  const names = [...new Set(getList(get, SYNC_INPUTS.scenarios))];
  for (const name of names) {
    const problem = scenarioNameProblem(name);
    if (problem) {
      throw inputError(
        SYNC_INPUTS.scenarios,
        raw,
        'use changed, all, none, or names of folders under <model-folder>/scenarios/, separated by commas or newlines',
        { problem: `names the scenario ${quoted(name)}, refused because ${problem}` },
      );
    }
  }
  return { kind: 'names', names };
}

/** Input `keep` or `exclude`: globs relative to a synced folder, checked as picomatch reads them. */
function parseGlobs(get: InputGetter, input: string, example: string): string[] {
  const raw = get(input);
  const globs = getList(get, input);
  for (const glob of globs) {
    if (glob.startsWith('/') || glob.split('/').includes('..')) {
      throw inputError(input, raw, `give globs relative to a scenario folder (e.g. ${example}), without "/" at the start or ".."`, {
        problem: `has the glob ${quoted(glob)}`,
      });
    }
    try {
      picomatch.makeRe(glob, { dot: true });
    } catch (error) {
      throw inputError(input, raw, `give globs as picomatch reads them (e.g. ${example})`, {
        problem: `has the glob ${quoted(glob)}, not valid (${printable((error as Error).message)})`,
      });
    }
  }
  return globs;
}

/**
 * Reads the sync inputs through `get` (which returns '' for an unset input) and checks them.
 * Throws an InputError naming the input and what to write instead.
 */
export function parseSyncSettings(get: InputGetter): SyncSettings {
  return {
    scenarios: parseSelection(get),
    deleteRemoved: getBoolean(get, SYNC_INPUTS.deleteRemoved, false),
    keep: [...RUN_ARTIFACT_GLOBS, ...parseGlobs(get, SYNC_INPUTS.keep, 'results/**')],
    exclude: [...LOCAL_CLUTTER_GLOBS, ...parseGlobs(get, SYNC_INPUTS.exclude, '**/*.tmp')],
    locked: getChoice(get, SYNC_INPUTS.locked, ['skip', 'fail', 'overwrite'] as const, 'skip'),
    onConflict: getChoice(get, SYNC_INPUTS.onConflict, ['fail', 'skip', 'overwrite'] as const, 'fail'),
    uploadConcurrency: getInteger(get, SYNC_INPUTS.uploadConcurrency, { min: 1, max: MAX_UPLOAD_CONCURRENCY, fallback: DEFAULT_UPLOAD_CONCURRENCY }),
  };
}
