/**
 * The Task states of a definition as a jsonc-parser tree (so that a pin edits the text in place), and the ECS task
 * definitions its `ecs:runTask` states run. Shared by validation (does a Lambda model run its family as a task?),
 * the pipeline (which steps it deploys) and the state machine step (which revision the definition names).
 */
import { parseTree, type Node } from 'jsonc-parser';

/** Calls `visit` for each Task state of the definition, into Parallel branches and Map processors. */
export function visitTaskStates(root: Node | undefined, visit: (state: Node) => void): void {
  const visitStates = (states: Node | undefined): void => {
    for (const property of states?.type === 'object' ? (states.children ?? []) : []) {
      const state = property.children?.[1];
      if (state?.type !== 'object') continue;
      if (childOf(state, 'Type')?.value === 'Task') visit(state);
      for (const branch of childOf(state, 'Branches')?.children ?? []) visitStates(childOf(branch, 'States'));
      visitStates(childOf(childOf(state, 'ItemProcessor'), 'States'));
      visitStates(childOf(childOf(state, 'Iterator'), 'States'));
    }
  };
  visitStates(childOf(root, 'States'));
}

export function childOf(node: Node | undefined, key: string): Node | undefined {
  if (node?.type !== 'object') return undefined;
  return node.children?.find((property) => property.children?.[0]?.value === key)?.children?.[1];
}

/** The `Resource` of a Task state, '' when it is not a string. */
export function resourceOf(state: Node): string {
  const resource = childOf(state, 'Resource');
  return typeof resource?.value === 'string' ? resource.value : '';
}

/** A `TaskDefinition` an `ecs:runTask` state names: the family, and the revision when it names one. */
export interface TaskDefinitionReference {
  /** The string node, for an edit in place. */
  node: Node;
  family: string;
  revision?: number;
}

const RUN_TASK = /^arn:[^:]+:states:::ecs:runTask(\.sync|\.waitForTaskToken)?$/;
// `family`, `family:3`, or `arn:aws:ecs:eu-west-3:123456789012:task-definition/family[:3]`.
const TASK_DEFINITION = /^(?:arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\/)?([^:/]+)(?::(\d+))?$/;

/** Every literal `TaskDefinition` of an `ecs:runTask` state (a `TaskDefinition.$` path or an expression is not one). */
export function taskDefinitionReferences(root: Node | undefined): TaskDefinitionReference[] {
  const references: TaskDefinitionReference[] = [];
  visitTaskStates(root, (state) => {
    if (!RUN_TASK.test(resourceOf(state))) return;
    for (const payload of ['Parameters', 'Arguments']) {
      const node = childOf(childOf(state, payload), 'TaskDefinition');
      const match = node?.type === 'string' ? TASK_DEFINITION.exec(node.value as string) : null;
      if (node && match && !(node.value as string).startsWith('{%')) {
        references.push({ node, family: match[1], revision: match[2] === undefined ? undefined : Number(match[2]) });
      }
    }
  });
  return references;
}

/**
 * Whether the definition runs `family` without naming a revision (the latest ACTIVE one when it runs): the states the
 * deploy pins to the revision it registers. `${ModelName}` in the family is the model's name.
 */
export function runsTaskFamily(definition: string, family: string, modelName: string): boolean {
  // Most definitions run no ECS task: they are not parsed a second time (validation parsed them once).
  if (!definition.includes(':ecs:runTask')) return false;
  return taskDefinitionReferences(parseTree(definition)).some((reference) => reference.revision === undefined && reference.family.replaceAll('${ModelName}', modelName) === family);
}
