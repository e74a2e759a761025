import fs from 'node:fs';
import path from 'node:path';
import { getBoolean, getChoice, getKeyValueLines, getList, getText, inputError, quoted, type InputGetter } from '../inputs.ts';
import { clip, printable } from '../printable.ts';
import { RESOURCE_INPUTS, type ResourceKind } from '../names.ts';
import type { EcsOverrides } from '../ecs-names.ts';

/** `rollback` goes back to an earlier release (input `to`); `plan` with `to` plans that rollback. */
export type Mode = 'validate' | 'plan' | 'deploy' | 'rollback';

/**
 * The two kinds of Quetzal model: `lambda` runs one notebook per Lambda invocation, chained by the state machine
 * (step-functions.json); `ecs` runs every notebook of a steps.json list in one ECS task.
 */
export type ModelKind = 'lambda' | 'ecs';

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
export interface ModelSettings {
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
  /** Rule ids whose findings are dropped, in every mode (input `ignore-rules`). */
  ignoreRules: ReadonlySet<string>;
  /** The smoke run's execution input (input `smoke-test`, a JSON file of the model folder); undefined: no smoke run. */
  smokeTestFile?: string;
  /** Which kind of model it is (input `model-kind`, or found from the folder). */
  kind: ModelKind;
  /** How the kind was found, for the summary: `input model-kind`, `it has step-functions.json`, ... */
  kindSource: string;
  /** The model's steps.json: the web app reads it for both kinds; an ECS model's task runs it. */
  stepsFile: string;
  /** An ECS model's task-definition family and cluster, when given as inputs (`ecs-task-definition`, `ecs-cluster`). */
  ecsOverrides: EcsOverrides;
  /** The docs folder (input `docs-folder`), relative to the model folder: the sync uploads it to `_common/docs/`, validate checks it. */
  docsFolder: string;
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

export function parseModelSettings(get: InputGetter, context: RunContext): ModelSettings {
  const requested = getChoice(get, 'mode', ['auto', 'validate', 'plan', 'deploy', 'rollback'] as const, 'auto');
  const mode: Mode =
    requested === 'auto' ? (PULL_REQUEST_EVENTS.has(context.eventName ?? '') ? 'validate' : 'deploy') : requested;

  const workspace = path.resolve(context.workspace);
  const realWorkspace = realPath(workspace);
  /** The path an input names, resolved against the workspace; refused when it (or a link on it) leads outside. */
  const inWorkspace = (input: string, fallback: () => string, base = workspace): string => {
    const value = get(input).trim();
    const resolved = value === '' ? fallback() : path.resolve(base, value);
    const refuse = (problem: string, fix: string) => inputError(input, value, fix, { problem, fallback: shown(resolved) });
    const fix = `give a path inside the workspace, relative to it (e.g. ${EXAMPLES[input] ?? 'models/paris'})`;
    if (!isInside(workspace, resolved)) {
      throw refuse(`is outside the workspace ${shown(workspace)} (it resolves to ${shown(resolved)})`, fix);
    }
    const real = realPath(resolved);
    if (!isInside(realWorkspace, real)) {
      throw refuse(`resolves through a symbolic link to ${shown(real)}, outside the workspace ${shown(workspace)}`, `replace the link with the file or folder itself, or ${fix}`);
    }
    return resolved;
  };
  const modelFolder = inWorkspace('model-folder', () => workspace);

  const nameOverrides: Partial<Record<ResourceKind, string>> = {};
  for (const [kind, input] of Object.entries(RESOURCE_INPUTS) as Array<[ResourceKind, string]>) {
    const value = getText(get, input);
    if (value !== undefined) nameOverrides[kind] = value;
  }

  const substitutions = getKeyValueLines(get, 'definition-substitutions');
  for (const key of Object.keys(substitutions)) {
    if (!/^[A-Za-z_][A-Za-z0-9_:.-]*$/.test(key)) {
      throw inputError('definition-substitutions', get('definition-substitutions'), 'start each line with a placeholder name: letters, digits, _ : . -', {
        problem: `sets ${quoted(key)}, not a placeholder name`,
        hideValue: true,
      });
    }
  }

  const region = getText(get, 'aws-region') ?? (context.environmentRegion?.trim() || undefined);
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw inputError('aws-region', get('aws-region'), 'use an AWS region name (like ca-central-1), or set AWS_REGION to one', {
      problem: 'is not an AWS region name',
      fallback: `AWS_REGION ${quoted(region)}`,
    });
  }

  const definitionFile = inWorkspace('definition', () => path.join(modelFolder, 'step-functions.json'));
  const stepsFile = path.join(modelFolder, 'steps.json');
  return {
    mode,
    workspace,
    modelFolder,
    modelName: path.basename(modelFolder),
    envFile: inWorkspace('env-file', () => path.join(modelFolder, '.env')),
    definitionFile,
    ...modelKind(get, definitionFile, stepsFile),
    stepsFile,
    ecsOverrides: { taskFamily: getText(get, 'ecs-task-definition'), cluster: getText(get, 'ecs-cluster') },
    nameOverrides,
    region,
    substitutions,
    failOnWarnings: getBoolean(get, 'fail-on-warnings', false),
    ignoreRules: parseIgnoreRules(get),
    docsFolder: parseDocsFolder(get),
    smokeTestFile: get('smoke-test').trim() === '' ? undefined : inWorkspace('smoke-test', () => modelFolder, modelFolder),
  };
}

/** Input `model-kind`, or the kind the folder shows: a definition makes a Lambda model, a steps.json alone an ECS one. */
function modelKind(get: InputGetter, definitionFile: string, stepsFile: string): { kind: ModelKind; kindSource: string } {
  const requested = getChoice(get, 'model-kind', ['auto', 'lambda', 'ecs'] as const, 'auto');
  if (requested !== 'auto') return { kind: requested, kindSource: 'input `model-kind`' };
  if (isFile(definitionFile)) return { kind: 'lambda', kindSource: `it has ${path.basename(definitionFile)}` };
  if (isFile(stepsFile)) return { kind: 'ecs', kindSource: `it has steps.json and no ${path.basename(definitionFile)}` };
  return { kind: 'lambda', kindSource: `neither ${path.basename(definitionFile)} nor steps.json: a Lambda model, the default` };
}

function isFile(file: string): boolean {
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

const EXAMPLES: Record<string, string> = {
  'model-folder': 'models/paris',
  'env-file': 'models/paris/.env',
  definition: 'models/paris/step-functions.json',
  'smoke-test': 'smoke-test.json, relative to the model folder',
};

/** A path in a message (a link's target comes from the repository): control characters escaped, at most 300 characters. */
function shown(file: string): string {
  return clip(printable(file), 300);
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
function parseDocsFolder(get: InputGetter): string {
  const raw = get('docs-folder');
  const value = raw.trim().replace(/\/+$/, '');
  if (value === '') return 'docs';
  const parts = value.split('/');
  // eslint-disable-next-line no-control-regex
  if (value.startsWith('/') || parts.includes('..') || /[\u0000-\u001f\u007f\\]/.test(value)) {
    throw inputError('docs-folder', raw, 'give a folder inside the model folder, relative to it (e.g. docs), without "/" at the start or ".."');
  }
  return parts.filter((part) => part !== '.' && part !== '').join('/') || 'docs';
}

/** Input `ignore-rules`: rule ids as every finding prints them (`asl/field-type`), comma- or newline-separated. */
function parseIgnoreRules(get: InputGetter): ReadonlySet<string> {
  const rules = getList(get, 'ignore-rules');
  const malformed = rules.find((rule) => !/^[a-z]+\/[a-z0-9-]+$/.test(rule));
  if (malformed !== undefined) {
    throw inputError('ignore-rules', get('ignore-rules'), 'list rule ids as the findings print them, like asl/field-type or quetzal/notebook-path', { problem: `names ${quoted(malformed)}, not a rule id` });
  }
  return new Set(rules);
}
