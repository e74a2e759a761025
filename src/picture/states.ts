/**
 * The states of a definition, nested ones included, each with its key: the path of names from the top (the
 * Parallel's name, `branch <n>`, or the Map's name and `items`, then the state's name). Any shape of input is
 * walked without throwing; nesting deeper than MAX_DEPTH is not walked.
 */
export type StateKey = string;

export const MAX_DEPTH = 16;

export function stateKey(path: readonly string[]): StateKey {
  return JSON.stringify(path);
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A group of states: the top level, a Parallel's branch or a Map's item processor. */
export interface Scope {
  /** The path of the scope (empty at the top). */
  path: string[];
  states: Json;
  startAt?: string;
  /** The scope's title inside its group: `branch 2`, `items`. */
  title?: string;
}

/** The scopes inside a Parallel or Map state (none for other states). */
export function innerScopes(state: unknown, path: readonly string[]): Scope[] {
  if (!isObject(state)) return [];
  if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
    return state.Branches.flatMap((branch, index) => {
      const title = `branch ${index + 1}`;
      return isObject(branch) && isObject(branch.States) ? [{ path: [...path, title], states: branch.States, startAt: stringOr(branch.StartAt), title }] : [];
    });
  }
  if (state.Type === 'Map') {
    const processor = isObject(state.ItemProcessor) ? state.ItemProcessor : isObject(state.Iterator) ? state.Iterator : undefined;
    if (processor && isObject(processor.States)) return [{ path: [...path, 'items'], states: processor.States, startAt: stringOr(processor.StartAt), title: 'items' }];
  }
  return [];
}

export function topScope(definition: unknown): Scope | undefined {
  if (!isObject(definition) || !isObject(definition.States)) return undefined;
  return { path: [], states: definition.States, startAt: stringOr(definition.StartAt) };
}

/** Visits every state under `scope`, depth first, in the order the file lists them. */
export function walkStates(scope: Scope, visit: (key: StateKey, name: string, state: unknown, depth: number) => void, depth = 0): void {
  if (depth >= MAX_DEPTH) return;
  for (const [name, state] of Object.entries(scope.states)) {
    const path = [...scope.path, name];
    visit(stateKey(path), name, state, depth);
    for (const inner of innerScopes(state, path)) walkStates(inner, visit, depth + 1);
  }
}

export function countStates(scope: Scope): number {
  let count = 0;
  walkStates(scope, () => (count += 1));
  return count;
}

export function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
