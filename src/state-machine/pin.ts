/**
 * Pinning: the definition that goes out calls one Lambda version of the model's function, so that a model run
 * keeps the image it started with and a published state machine version is a snapshot. Every Task state that
 * invokes the model's function unqualified — `FunctionName` of a `lambda:invoke` task written as the bare name,
 * the partial ARN or the unqualified ARN, or the `Resource` of a direct invocation — gets the qualified ARN.
 * Other functions (the shared `quetzal-api-auth`) and explicit qualifiers (`:$LATEST`, an alias) stay as written.
 * The text is edited in place: the layout the team wrote is what the console shows.
 */
import { applyEdits, parseTree, type Edit, type Node } from 'jsonc-parser';

/** `definition` (JSON, substitutions filled) with each unqualified call of `functionName` naming `qualifiedArn`. */
export function pinFunction(definition: string, functionName: string, qualifiedArn: string): string {
  const root = parseTree(definition);
  if (!root) return definition;
  const edits: Edit[] = [];
  const unqualified = unqualifiedForms(functionName);
  const pin = (node: Node | undefined) => {
    if (node?.type === 'string' && unqualified(node.value as string)) {
      edits.push({ offset: node.offset, length: node.length, content: JSON.stringify(qualifiedArn) });
    }
  };
  visitStates(child(root, 'States'), (state) => {
    if (child(state, 'Type')?.value !== 'Task') return;
    const resource = child(state, 'Resource');
    const resourceValue = typeof resource?.value === 'string' ? resource.value : '';
    if (/^arn:[^:]+:states:::lambda:invoke(\.|$)/.test(resourceValue)) {
      pin(child(child(state, 'Parameters'), 'FunctionName'));
      pin(child(child(state, 'Arguments'), 'FunctionName'));
    } else if (resourceValue.startsWith('arn:') && resourceValue.includes(':lambda:')) {
      pin(resource);
    }
  });
  return applyEdits(definition, edits);
}

/** A test for the names that call `functionName` without a qualifier. */
function unqualifiedForms(functionName: string): (value: string) => boolean {
  const name = functionName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const forms = new RegExp(`^(?:${name}|\\d{12}:function:${name}|arn:[^:]+:lambda:[^:]*:[^:]*:function:${name})$`);
  return (value) => forms.test(value);
}

/** Calls `visit` for each state of a States object, into Parallel branches and Map processors. */
function visitStates(states: Node | undefined, visit: (state: Node) => void): void {
  for (const property of states?.type === 'object' ? (states.children ?? []) : []) {
    const state = property.children?.[1];
    if (state?.type !== 'object') continue;
    visit(state);
    for (const branch of child(state, 'Branches')?.children ?? []) visitStates(child(branch, 'States'), visit);
    visitStates(child(child(state, 'ItemProcessor'), 'States'), visit);
    visitStates(child(child(state, 'Iterator'), 'States'), visit);
  }
}

function child(node: Node | undefined, key: string): Node | undefined {
  if (node?.type !== 'object') return undefined;
  return node.children?.find((property) => property.children?.[0]?.value === key)?.children?.[1];
}
