/**
 * Pinning: the definition that goes out calls one Lambda version of the model's function, so that a model run
 * keeps the image it started with and a published state machine version is a snapshot. Every Task state that
 * invokes the model's function unqualified — `FunctionName` of a `lambda:invoke` task written as the bare name,
 * the partial ARN or the unqualified ARN, or the `Resource` of a direct invocation — gets the qualified ARN.
 * Other functions (the shared `quetzal-api-auth`) and explicit qualifiers (`:$LATEST`, an alias) stay as written.
 * In the same way, an `ecs:runTask` state that runs the model's task-definition family without a revision gets the
 * revision the ECS step registers (a Lambda model whose long steps run as ECS tasks).
 * The text is edited in place: the layout the team wrote is what the console shows.
 */
import { applyEdits, parseTree, type Edit, type Node } from 'jsonc-parser';
import { childOf, resourceOf, taskDefinitionReferences, visitTaskStates } from '../ground/task-states.ts';

/** `definition` (JSON, substitutions filled) with each unqualified call of `functionName` naming `qualifiedArn`. */
export function pinFunction(definition: string, functionName: string, qualifiedArn: string): string {
  const root = parseTree(definition);
  if (!root) return definition;
  const edits: Edit[] = [];
  const unqualified = unqualifiedForms(functionName);
  const pin = (node: Node | undefined) => {
    if (node?.type === 'string' && unqualified(node.value as string)) edits.push(replacement(node, qualifiedArn));
  };
  visitTaskStates(root, (state) => {
    const resource = resourceOf(state);
    if (/^arn:[^:]+:states:::lambda:invoke(\.|$)/.test(resource)) {
      pin(childOf(childOf(state, 'Parameters'), 'FunctionName'));
      pin(childOf(childOf(state, 'Arguments'), 'FunctionName'));
    } else if (resource.startsWith('arn:') && resource.includes(':lambda:')) {
      pin(childOf(state, 'Resource'));
    }
  });
  return applyEdits(definition, edits);
}

/**
 * `definition` (JSON, substitutions filled) with each `ecs:runTask` state that runs `family` without a revision
 * (the bare family or its unrevisioned ARN) naming `revisionArn`. A revision written out stays as written.
 */
export function pinTaskFamily(definition: string, family: string, revisionArn: string): string {
  const edits = taskDefinitionReferences(parseTree(definition))
    .filter((reference) => reference.family === family && reference.revision === undefined)
    .map((reference) => replacement(reference.node, revisionArn));
  return applyEdits(definition, edits);
}

/** The revisions of `family` the definition's `ecs:runTask` states name, as written (the deployed definition's pins). */
export function taskRevisionsIn(definition: string, family: string): Set<string> {
  const revisions = new Set<string>();
  for (const reference of taskDefinitionReferences(parseTree(definition))) {
    if (reference.family === family && reference.revision !== undefined) revisions.add(reference.node.value as string);
  }
  return revisions;
}

function replacement(node: Node, value: string): Edit {
  return { offset: node.offset, length: node.length, content: JSON.stringify(value) };
}

/** A test for the names that call `functionName` without a qualifier. */
function unqualifiedForms(functionName: string): (value: string) => boolean {
  const name = functionName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const forms = new RegExp(`^(?:${name}|\\d{12}:function:${name}|arn:[^:]+:lambda:[^:]*:[^:]*:function:${name})$`);
  return (value) => forms.test(value);
}
