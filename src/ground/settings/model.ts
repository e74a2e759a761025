import fs from 'node:fs';
import path from 'node:path';
import { getBoolean, getChoice, getKeyValueLines, InputError, type InputGetter } from '../inputs.ts';
import { RESOURCE_INPUTS, type ResourceKind } from '../names.ts';

export type Mode = 'validate' | 'plan' | 'deploy';

/** Facts about where the run happens, given by the door (the Action's runner, or the CLI's shell). */
export interface RunContext {
  /** Absolute folder that relative inputs are resolved from (GITHUB_WORKSPACE, or the CLI's working folder). */
  workspace: string;
  /** The GitHub event that triggered the run (`push`, `pull_request`, ...), when there is one. */
  eventName?: string;
  /** AWS_REGION / AWS_DEFAULT_REGION from the environment. */
  environmentRegion?: string;
}

/** What every mode needs: where the model is and what it is called. Parsed once from the inputs. */
export interface ModelConfig {
  mode: Mode;
  workspace: string;
  /** Absolute path of the model folder. */
  modelFolder: string;
  /** The model folder's name: the `QUETZAL_MODEL_NAME` build arg and the `${ModelName}` substitution. */
  modelName: string;
  envFile: string;
  definitionFile: string;
  nameOverrides: Partial<Record<ResourceKind, string>>;
  region?: string;
  /** Extra `${KEY}` substitutions for the definition (input `definition-substitutions`). */
  substitutions: Record<string, string>;
  failOnWarnings: boolean;
  /** Folder of the model, relative to it, uploaded to `_common/docs/` (input `docs-folder`); validate checks it too. */
  docsFolder: string;
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

export function parseModelConfig(get: InputGetter, context: RunContext): ModelConfig {
  const requested = getChoice(get, 'mode', ['auto', 'validate', 'plan', 'deploy'] as const, 'auto');
  const mode: Mode =
    requested === 'auto' ? (PULL_REQUEST_EVENTS.has(context.eventName ?? '') ? 'validate' : 'deploy') : requested;

  const workspace = path.resolve(context.workspace);
  const realWorkspace = realPath(workspace);
  /** The path an input names, resolved against the workspace; refused when it (or a link on it) leads outside. */
  const inWorkspace = (input: string, fallback: () => string): string => {
    const value = get(input).trim();
    const resolved = value === '' ? fallback() : path.resolve(workspace, value);
    const named = value === '' ? `Input \`${input}\` (default ${shown(resolved)})` : `Input \`${input}\` is ${quote(value)}, which`;
    const fix = `give a path inside the workspace, relative to it (e.g. ${EXAMPLES[input] ?? 'models/paris'}).`;
    if (!isInside(workspace, resolved)) {
      throw new InputError(`${named} is outside the workspace ${shown(workspace)} (it resolves to ${shown(resolved)}): ${fix}`);
    }
    const real = realPath(resolved);
    if (!isInside(realWorkspace, real)) {
      throw new InputError(`${named} resolves through a symbolic link to ${shown(real)}, outside the workspace ${shown(workspace)}: replace the link with the file or folder itself, or ${fix}`);
    }
    return resolved;
  };
  const modelFolder = inWorkspace('model-folder', () => workspace);

  const nameOverrides: Partial<Record<ResourceKind, string>> = {};
  for (const [kind, input] of Object.entries(RESOURCE_INPUTS) as Array<[ResourceKind, string]>) {
    const value = get(input).trim();
    if (value !== '') nameOverrides[kind] = value;
  }

  const substitutions = getKeyValueLines(get, 'definition-substitutions');
  for (const key of Object.keys(substitutions)) {
    if (!/^[A-Za-z_][A-Za-z0-9_:.-]*$/.test(key)) {
      throw new InputError(`Input \`definition-substitutions\`: "${key}" is not a placeholder name (letters, digits, _ : . -).`);
    }
  }

  const region = get('aws-region').trim() || context.environmentRegion?.trim() || undefined;
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new InputError(`Input \`aws-region\` is "${region}", which is not an AWS region name (like ca-central-1).`);
  }

  return {
    mode,
    workspace,
    modelFolder,
    modelName: path.basename(modelFolder),
    envFile: inWorkspace('env-file', () => path.join(modelFolder, '.env')),
    definitionFile: inWorkspace('definition', () => path.join(modelFolder, 'step-functions.json')),
    nameOverrides,
    region,
    substitutions,
    failOnWarnings: getBoolean(get, 'fail-on-warnings', false),
    docsFolder: parseDocsFolder(get('docs-folder')),
  };
}

const EXAMPLES: Record<string, string> = {
  'model-folder': 'models/paris',
  'env-file': 'models/paris/.env',
  definition: 'models/paris/step-functions.json',
};

/** An input's value in a message: quoted, escaped, at most 200 characters (inputs come from the repository). */
function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

/** A path in a message (a link's target comes from the repository): control characters escaped, at most 300 characters. */
function shown(file: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = file.replace(/[\u0000-\u001f\u007f-\u009f]/g, (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > 300 ? `${escaped.slice(0, 300)}…` : escaped;
}

/** True when `target` is `folder` or lies under it (both absolute, normalised). */
function isInside(folder: string, target: string): boolean {
  const relative = path.relative(folder, target);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * The real path of an absolute path: every symbolic link on it resolved (fs.realpathSync) as far as it exists; the
 * part that does not exist yet is kept as written. A dangling link is followed to where it points.
 */
function realPath(target: string, depth = 0): string {
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    try {
      return path.join(fs.realpathSync(existing), ...missing);
    } catch {
      // Not there (or not readable): a dangling link is followed, anything else is resolved from its parent.
    }
    let link: string | undefined;
    try {
      if (fs.lstatSync(existing).isSymbolicLink()) link = fs.readlinkSync(existing);
    } catch {
      // does not exist at all
    }
    if (link !== undefined && depth < 40) return realPath(path.join(path.resolve(path.dirname(existing), link), ...missing), depth + 1);
    const parent = path.dirname(existing);
    if (parent === existing) return target;
    missing.unshift(path.basename(existing));
    existing = parent;
  }
}

/** Input `docs-folder`: a folder inside the model folder, `/`-separated, no `..`; `docs` when not set. */
export function parseDocsFolder(raw: string): string {
  const value = raw.trim().replace(/\/+$/, '');
  if (value === '') return 'docs';
  const parts = value.split('/');
  // eslint-disable-next-line no-control-regex
  if (value.startsWith('/') || parts.includes('..') || /[\u0000-\u001f\u007f\\]/.test(value)) {
    throw new InputError(
      `Input "docs-folder": ${JSON.stringify(raw)} must be a folder inside the model folder (e.g. "docs"), without "/" at the start or "..".`,
    );
  }
  return parts.filter((part) => part !== '.' && part !== '').join('/') || 'docs';
}
