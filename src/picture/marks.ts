/**
 * What the picture marks on a state: the run's findings (an error or a warning on a line inside the state) and what
 * a deploy changes (states added, changed or removed against the deployed definition).
 */
import { isDeepStrictEqual } from 'node:util';
import { parseTree, type Node } from 'jsonc-parser';
import type { Finding } from '../ground/findings.ts';
import { LineIndex } from '../ground/line-index.ts';
import { MAX_DEPTH, innerScopes, isObject, stateKey, topScope, walkStates, type Json, type StateKey } from './states.ts';

export type StateMark = 'error' | 'warning' | 'added' | 'changed' | 'removed';

/** Strongest first: a folded group shows the strongest mark of what it holds. */
export const MARK_ORDER: readonly StateMark[] = ['error', 'warning', 'changed', 'added', 'removed'];

/**
 * The states that findings point into: a finding of `definitionFile` whose line falls inside a state (its name
 * included) marks the innermost one; an error wins over a warning; notices and lines outside every state mark none.
 */
export function findingMarks(definitionText: string, findings: readonly Finding[], definitionFile: string): Map<StateKey, 'error' | 'warning'> {
  const marks = new Map<StateKey, 'error' | 'warning'>();
  const relevant = findings.filter((finding) => finding.file === definitionFile && finding.line !== undefined && finding.severity !== 'notice');
  if (relevant.length === 0) return marks;
  const root = parseTree(definitionText, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) return marks;
  const lines = new LineIndex(definitionText);
  const lineOf = (offset: number) => lines.lineOf(offset);
  const ranges: Array<{ key: StateKey; first: number; last: number; depth: number }> = [];
  const visitStates = (states: Node | undefined, path: string[], depth: number): void => {
    if (states?.type !== 'object' || depth >= MAX_DEPTH) return;
    for (const property of states.children ?? []) {
      const [nameNode, value] = property.children ?? [];
      if (typeof nameNode?.value !== 'string' || value === undefined) continue;
      const statePath = [...path, nameNode.value];
      ranges.push({ key: stateKey(statePath), first: lineOf(property.offset), last: lineOf(property.offset + property.length), depth });
      const branches = childOf(value, 'Branches');
      if (childOf(value, 'Type')?.value === 'Parallel' && branches?.type === 'array') {
        (branches.children ?? []).forEach((branch, index) => visitStates(childOf(branch, 'States'), [...statePath, `branch ${index + 1}`], depth + 1));
      }
      const processor = childOf(value, 'ItemProcessor') ?? childOf(value, 'Iterator');
      if (childOf(value, 'Type')?.value === 'Map' && processor) visitStates(childOf(processor, 'States'), [...statePath, 'items'], depth + 1);
    }
  };
  visitStates(childOf(root, 'States'), [], 0);
  for (const finding of relevant) {
    const line = finding.line ?? 0;
    const inside = ranges.filter((range) => range.first <= line && line <= range.last);
    if (inside.length === 0) continue;
    const innermost = inside.reduce((best, range) => (range.depth > best.depth ? range : best));
    const mark = finding.severity === 'error' ? 'error' : 'warning';
    if (marks.get(innermost.key) !== 'error') marks.set(innermost.key, mark);
  }
  return marks;
}

/** The states added or changed from the deployed definition to the planned one, and the ones removed. */
export function stateChanges(deployed: unknown, planned: unknown): { marks: Map<StateKey, 'added' | 'changed'>; removed: Array<{ key: StateKey; name: string }> } {
  const before = ownStates(deployed);
  const after = ownStates(planned);
  const marks = new Map<StateKey, 'added' | 'changed'>();
  for (const [key, state] of after) {
    const old = before.get(key);
    if (old === undefined) marks.set(key, 'added');
    else if (!isDeepStrictEqual(old.own, state.own)) marks.set(key, 'changed');
  }
  const removed = [...before].filter(([key]) => !after.has(key)).map(([key, state]) => ({ key, name: state.name }));
  return { marks, removed };
}

/** Each state with what is its own: a Parallel's branches and a Map's processor without the states they hold. */
function ownStates(definition: unknown): Map<StateKey, { name: string; own: unknown }> {
  const states = new Map<StateKey, { name: string; own: unknown }>();
  const scope = topScope(definition);
  if (scope) walkStates(scope, (key, name, state) => states.set(key, { name, own: withoutInnerStates(state) }));
  return states;
}

function withoutInnerStates(state: unknown): unknown {
  if (!isObject(state) || innerScopes(state, []).length === 0) return state;
  const stripped: Json = { ...state };
  if (Array.isArray(state.Branches)) stripped.Branches = state.Branches.map((branch) => (isObject(branch) ? { ...branch, States: undefined } : branch));
  for (const field of ['ItemProcessor', 'Iterator']) {
    const processor = state[field];
    if (isObject(processor)) stripped[field] = { ...processor, States: undefined };
  }
  return stripped;
}

function childOf(node: Node | undefined, name: string): Node | undefined {
  if (node?.type !== 'object') return undefined;
  const property = node.children?.find((child) => child.children?.[0]?.value === name);
  return property?.children?.[1];
}
