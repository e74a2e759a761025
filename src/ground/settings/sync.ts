/**
 * The inputs of the scenario sync, parsed and checked before anything is read or written.
 * Both the Action and the CLI call `parseSyncOptions` with their own way of reading an input.
 */
import picomatch from 'picomatch';
import { parseDocsFolder } from './model.ts';

/** Which scenarios to sync: the ones touched by the push, every local one, none, or a list of names. */
export type ScenarioSelection =
  | { kind: 'changed' }
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'names'; names: string[] };

export type LockedPolicy = 'skip' | 'fail' | 'overwrite';
export type ConflictPolicy = 'fail' | 'skip' | 'overwrite';

export interface SyncOptions {
  scenarios: ScenarioSelection;
  /** Delete remote files of a synced scenario that no longer exist locally (never run artifacts). */
  deleteRemoved: boolean;
  /** Globs, relative to a scenario, of remote files that belong to runs: never deleted, never overwritten. */
  keep: string[];
  locked: LockedPolicy;
  onConflict: ConflictPolicy;
  uploadConcurrency: number;
  /** Folder of the model, relative to the model folder, uploaded to `_common/docs/` when present. */
  docsFolder: string;
}

/** Run artifacts: written by runs of the model, never deleted nor overwritten by a deploy. */
export const RUN_ARTIFACT_GLOBS: readonly string[] = ['outputs/**', 'logs/**', 'info.json', '.lock'];

export const DEFAULT_UPLOAD_CONCURRENCY = 16;
export const MAX_UPLOAD_CONCURRENCY = 64;

/** Input names, as the Action and the CLI spell them. */
export const SYNC_INPUTS = {
  scenarios: 'scenarios',
  deleteRemoved: 'delete-removed',
  keep: 'keep',
  locked: 'locked',
  onConflict: 'on-conflict',
  uploadConcurrency: 'upload-concurrency',
  docsFolder: 'docs-folder',
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

/** Splits an input on commas and newlines, trimming and dropping empty entries. */
export function splitList(value: string): string[] {
  return value
    .split(/[,\n\r]/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

function parseSelection(raw: string): ScenarioSelection {
  const value = raw.trim();
  const lowered = value.toLowerCase();
  if (value === '' || lowered === 'changed') return { kind: 'changed' };
  if (lowered === 'all') return { kind: 'all' };
  if (lowered === 'none') return { kind: 'none' };
  const names = [...new Set(splitList(value))];
  for (const name of names) {
    const problem = scenarioNameProblem(name);
    if (problem) {
      throw new Error(
        `Input "${SYNC_INPUTS.scenarios}": scenario name ${JSON.stringify(name)} is refused because ${problem}. ` +
          'Use "changed", "all", "none", or names of folders under <model-folder>/scenarios/, separated by commas or newlines.',
      );
    }
  }
  return { kind: 'names', names };
}

function parseChoice<T extends string>(input: string, raw: string, choices: readonly T[], fallback: T): T {
  const value = raw.trim().toLowerCase();
  if (value === '') return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new Error(`Input "${input}": ${JSON.stringify(raw)} is not one of ${choices.join(', ')}.`);
}

function parseBoolean(input: string, raw: string, fallback: boolean): boolean {
  const value = raw.trim().toLowerCase();
  if (value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`Input "${input}": ${JSON.stringify(raw)} is not a boolean; use true or false.`);
}

function parseConcurrency(raw: string): number {
  const value = raw.trim();
  if (value === '') return DEFAULT_UPLOAD_CONCURRENCY;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || number > MAX_UPLOAD_CONCURRENCY) {
    throw new Error(
      `Input "${SYNC_INPUTS.uploadConcurrency}": ${JSON.stringify(raw)} is not a whole number from 1 to ${MAX_UPLOAD_CONCURRENCY}.`,
    );
  }
  return number;
}

function parseKeep(raw: string): string[] {
  const globs = splitList(raw);
  for (const glob of globs) {
    if (glob.startsWith('/') || glob.split('/').includes('..')) {
      throw new Error(
        `Input "${SYNC_INPUTS.keep}": glob ${JSON.stringify(glob)} must be relative to a scenario folder (e.g. "results/**"), without "/" at the start or "..".`,
      );
    }
    try {
      picomatch.makeRe(glob, { dot: true });
    } catch (error) {
      throw new Error(`Input "${SYNC_INPUTS.keep}": glob ${JSON.stringify(glob)} is not valid: ${(error as Error).message}`, { cause: error });
    }
  }
  return [...RUN_ARTIFACT_GLOBS, ...globs];
}

/**
 * Reads the sync inputs through `get` (which returns '' for an unset input) and checks them.
 * Throws an Error naming the input and what to write instead.
 */
export function parseSyncOptions(get: (inputName: string) => string): SyncOptions {
  return {
    scenarios: parseSelection(get(SYNC_INPUTS.scenarios)),
    deleteRemoved: parseBoolean(SYNC_INPUTS.deleteRemoved, get(SYNC_INPUTS.deleteRemoved), false),
    keep: parseKeep(get(SYNC_INPUTS.keep)),
    locked: parseChoice(SYNC_INPUTS.locked, get(SYNC_INPUTS.locked), ['skip', 'fail', 'overwrite'], 'skip'),
    onConflict: parseChoice(SYNC_INPUTS.onConflict, get(SYNC_INPUTS.onConflict), ['fail', 'skip', 'overwrite'], 'fail'),
    uploadConcurrency: parseConcurrency(get(SYNC_INPUTS.uploadConcurrency)),
    docsFolder: parseDocsFolder(get(SYNC_INPUTS.docsFolder)),
  };
}
