import path from 'node:path';
import { getBoolean, getChoice, getKeyValueLines, InputError, type InputGetter } from './inputs.ts';
import { RESOURCE_INPUTS, type ResourceKind } from './names.ts';

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
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

export function parseModelConfig(get: InputGetter, context: RunContext): ModelConfig {
  const requested = getChoice(get, 'mode', ['auto', 'validate', 'plan', 'deploy'] as const, 'auto');
  const mode: Mode =
    requested === 'auto' ? (PULL_REQUEST_EVENTS.has(context.eventName ?? '') ? 'validate' : 'deploy') : requested;

  const workspace = path.resolve(context.workspace);
  const modelFolder = path.resolve(workspace, get('model-folder').trim() || '.');
  const inWorkspace = (input: string, fallback: string): string => {
    const value = get(input).trim();
    return value === '' ? fallback : path.resolve(workspace, value);
  };

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
    envFile: inWorkspace('env-file', path.join(modelFolder, '.env')),
    definitionFile: inWorkspace('definition', path.join(modelFolder, 'step-functions.json')),
    nameOverrides,
    region,
    substitutions,
    failOnWarnings: getBoolean(get, 'fail-on-warnings', false),
  };
}
