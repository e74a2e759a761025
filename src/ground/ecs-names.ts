/**
 * The names of an ECS model's task-definition family and cluster, as the backend's terraform makes them: the family
 * `<ECR repository>-task`, the cluster named after the model. Inputs `ecs-task-definition` and `ecs-cluster` win;
 * else `.env`'s `AWS_ECS_TASK_DEFINITION` and `AWS_ECS_CLUSTER`. Each is checked against AWS's rule for the name.
 */
import type { EnvEntry } from './env-file.ts';
import type { Finding } from './findings.ts';
import type { ResourceName } from './names.ts';

export interface EcsNames {
  taskFamily: ResourceName;
  cluster: ResourceName;
}

export interface EcsOverrides {
  taskFamily?: string;
  cluster?: string;
}

const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;

export function resolveEcsNames(
  envFile: string,
  env: ReadonlyMap<string, EnvEntry> | null,
  overrides: EcsOverrides,
  defaults: { repositoryName?: string; modelName: string },
): { names?: EcsNames; findings: Finding[] } {
  const fromEnv = (key: string): ResourceName | undefined => {
    const entry = env?.get(key);
    if (entry === undefined || entry.value.trim() === '') return undefined;
    return { value: entry.value.trim(), source: `.env line ${entry.line} (${key})`, line: entry.line, column: entry.column };
  };
  const family: ResourceName | undefined = overrides.taskFamily !== undefined
    ? { value: overrides.taskFamily, source: 'input `ecs-task-definition`' }
    : fromEnv('AWS_ECS_TASK_DEFINITION') ?? (defaults.repositoryName === undefined ? undefined : { value: `${defaults.repositoryName}-task`, source: 'the ECR repository name and -task, as terraform names it' });
  const cluster: ResourceName = overrides.cluster !== undefined
    ? { value: overrides.cluster, source: 'input `ecs-cluster`' }
    : fromEnv('AWS_ECS_CLUSTER') ?? { value: defaults.modelName, source: 'the model folder\'s name, as terraform names it' };
  const findings: Finding[] = [];
  for (const [label, name] of [['ECS task definition family', family], ['ECS cluster', cluster]] as const) {
    if (name === undefined || ECS_NAME.test(name.value)) continue;
    const position = name.line === undefined ? { file: '' } : { file: envFile, line: name.line, column: name.column };
    findings.push({ severity: 'error', rule: 'names/invalid', ...position, message: `${label} name "${name.value}" (${name.source}): ECS names are 1–255 letters, digits, hyphens and underscores.` });
  }
  return { names: family === undefined ? undefined : { taskFamily: family, cluster }, findings };
}
