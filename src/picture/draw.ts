/**
 * A definition as a Mermaid flowchart, as GitHub renders it: every state a node (identifiers are the drawing's
 * own, labels escaped), a Parallel's branches and a Map's item processor as subgraphs, `Choice` rules and `Catch`
 * errors on their edges, the start and the end marked. Too large a picture is drawn folded: the top level only,
 * each Parallel and Map one node.
 */
import { edge, labelText, lines, node, type Shape } from './mermaid.ts';
import { MARK_ORDER, type StateMark } from './marks.ts';
import { countStates, innerScopes, isObject, MAX_DEPTH, stateKey, stringOr, topScope, walkStates, type Scope, type StateKey } from './states.ts';
import { ruleLabel, taskDetail } from './labels.ts';

export interface DrawOptions {
  marks?: ReadonlyMap<StateKey, StateMark>;
  /** States of the deployed definition no longer there: drawn apart, with no edge. */
  removed?: ReadonlyArray<{ key: StateKey; name: string }>;
  /** Above this many states the picture is folded. */
  maxStates?: number;
  /** Mermaid's maxTextSize, as GitHub renders it. */
  maxTextLength?: number;
  /** Mermaid's maxEdges. */
  maxEdges?: number;
}

export interface Picture {
  /** The flowchart's text (no fence); undefined when nothing can be drawn. */
  mermaid?: string;
  /** Each Parallel and Map drawn as one node. */
  folded: boolean;
  /** States in the definition, nested ones included. */
  states: number;
  /** A sentence for the reader, when the picture is folded or not drawn. */
  note?: string;
  /** One Markdown line naming the marks used; '' when none. */
  legend: string;
}

export const DEFAULT_LIMITS = { maxStates: 100, maxTextLength: 50_000, maxEdges: 500 };

const STYLES: Record<StateMark | 'missing', string> = {
  error: 'fill:#ffebe9,stroke:#cf222e,stroke-width:2px',
  warning: 'fill:#fff8c5,stroke:#bf8700,stroke-width:2px',
  added: 'fill:#dafbe1,stroke:#1a7f37',
  changed: 'fill:#ddf4ff,stroke:#0969da',
  removed: 'fill:#f6f8fa,stroke:#8c959f,stroke-dasharray:4 3,color:#57606a',
  missing: 'fill:#ffebe9,stroke:#cf222e,stroke-dasharray:4 3',
};

const LEGEND: Record<StateMark, string> = { error: '🟥 error', warning: '🟧 warning', added: '🟩 added', changed: '🟦 changed', removed: '⬜ removed' };

export function drawDefinition(definition: unknown, options: DrawOptions = {}): Picture {
  const limits = { ...DEFAULT_LIMITS, ...options };
  const top = topScope(definition);
  if (top === undefined) return { folded: false, states: 0, legend: '', note: 'The definition has no States object: nothing to draw.' };
  const states = countStates(top);
  const fits = (drawing: Drawing) => drawing.text.length <= limits.maxTextLength && drawing.edges <= limits.maxEdges;
  const full = states <= limits.maxStates ? new Drawing(options, false).draw(top) : undefined;
  if (full && fits(full)) return { mermaid: full.text, folded: false, states, legend: full.legend() };
  const count = String(states).replace(/\B(?=(\d{3})+$)/g, ',');
  const folded = transitionsAtTop(top) < limits.maxEdges ? new Drawing(options, true).draw(top) : undefined;
  if (folded === undefined || !fits(folded)) {
    return { folded: true, states, legend: '', note: `${count} states: too many to draw within GitHub's Mermaid limits, even folded.` };
  }
  const why = states > limits.maxStates ? `${count} states are more than ${limits.maxStates}` : `drawn whole, the picture is past GitHub's Mermaid limits`;
  return { mermaid: folded.text, folded: true, states, legend: folded.legend(), note: `Folded: ${why}; each Parallel and Map is one node.` };
}

class Drawing {
  readonly #options: DrawOptions;
  readonly #fold: boolean;
  readonly #nodes: string[] = [];
  readonly #edges: string[] = [];
  readonly #classes = new Map<StateMark | 'missing', string[]>();
  readonly #styles: string[] = [];
  /** The marks of the groups drawn whole (a `style` line each), for the legend. */
  readonly #groupMarks = new Set<StateMark>();
  #next = 1;
  text = '';
  edges = 0;

  constructor(options: DrawOptions, fold: boolean) {
    this.#options = options;
    this.#fold = fold;
  }

  draw(top: Scope): this {
    this.#nodes.push('  qStart(["Start"])');
    const ids = this.#drawScope(top, '  ', 0);
    this.#nodes.push('  qEnd(["End"])');
    this.#edges.push(`  ${edge('qStart', this.#target(top.startAt, ids, '  '))}`);
    this.#drawRemoved();
    const marks = [...this.#classes].flatMap(([mark, nodeIds]) => [`  classDef ${mark} ${STYLES[mark]};`, `  class ${nodeIds.join(',')} ${mark}`]);
    this.text = ['flowchart TD', ...this.#nodes, ...this.#edges, ...marks, ...this.#styles].join('\n');
    this.edges = this.#edges.length;
    return this;
  }

  legend(): string {
    return MARK_ORDER.filter((mark) => this.#classes.has(mark) || this.#groupMarks.has(mark)).map((mark) => LEGEND[mark]).join(' · ');
  }

  /** Draws a scope's states; returns the identifier of each state by name, for the edges. */
  #drawScope(scope: Scope, indent: string, depth: number): Map<string, string> {
    const ids = new Map<string, string>();
    for (const name of Object.keys(scope.states)) ids.set(name, `s${this.#next++}`);
    const missing = new Map<string, string>();
    for (const [name, state] of Object.entries(scope.states)) {
      const id = ids.get(name) as string;
      const path = [...scope.path, name];
      const inner = innerScopes(state, path);
      const type = isObject(state) ? stringOr(state.Type) : undefined;
      const groupLabel = labelText(type === 'Map' ? `${name} (Map)` : name);
      if (inner.length > 0 && !this.#fold && depth + 1 < MAX_DEPTH) {
        this.#nodes.push(`${indent}subgraph ${id} ["${groupLabel}"]`, `${indent}  direction TB`);
        for (const scopeInside of inner) {
          const innerId = `${id}_${this.#next++}`;
          this.#nodes.push(`${indent}  subgraph ${innerId} ["${labelText(scopeInside.title ?? '')}"]`);
          this.#drawScope(scopeInside, `${indent}    `, depth + 1);
          this.#nodes.push(`${indent}  end`);
        }
        this.#nodes.push(`${indent}end`);
        const mark = this.#options.marks?.get(stateKey(path));
        if (mark) {
          this.#styles.push(`  style ${id} ${STYLES[mark]}`);
          this.#groupMarks.add(mark);
        }
      } else if (inner.length > 0) {
        const held = inner.reduce((sum, scopeInside) => sum + countStates(scopeInside), 0);
        const summary = type === 'Parallel' ? `Parallel: ${inner.length} branch${inner.length === 1 ? '' : 'es'}, ${held} states` : `Map: ${held} states`;
        this.#nodes.push(`${indent}${node(id, lines(labelText(name), labelText(summary)), 'folded')}`);
        this.#mark(id, this.#strongestMarkIn(path, inner));
      } else {
        this.#nodes.push(`${indent}${node(id, lines(labelText(name), taskDetail(state)), shapeOf(type))}`);
        this.#mark(id, this.#options.marks?.get(stateKey(path)));
      }
      this.#drawEdges(id, state, scope, ids, missing, indent, depth === 0);
    }
    return ids;
  }

  #drawEdges(from: string, state: unknown, scope: Scope, ids: Map<string, string>, missing: Map<string, string>, indent: string, top: boolean): void {
    const to = (name: unknown) => this.#target(name, ids, indent, missing);
    if (!isObject(state)) return;
    if (Array.isArray(state.Choices)) {
      const language = stringOr(state.QueryLanguage) ?? 'JSONPath';
      for (const rule of state.Choices) if (isObject(rule)) this.#edges.push(`  ${edge(from, to(rule.Next), labelText(ruleLabel(rule, language), 40))}`);
      if (state.Default !== undefined) this.#edges.push(`  ${edge(from, to(state.Default), 'Default')}`);
    }
    if (typeof state.Next === 'string') this.#edges.push(`  ${edge(from, to(state.Next))}`);
    if (Array.isArray(state.Catch)) {
      for (const catcher of state.Catch) {
        if (!isObject(catcher)) continue;
        const errors = Array.isArray(catcher.ErrorEquals) ? catcher.ErrorEquals.filter((item) => typeof item === 'string').join(', ') : '';
        this.#edges.push(`  ${edge(from, to(catcher.Next), labelText(errors || 'catch', 40), true)}`);
      }
    }
    const ends = state.End === true || state.Type === 'Succeed' || state.Type === 'Fail';
    if (ends && top && scope.path.length === 0) this.#edges.push(`  ${edge(from, 'qEnd')}`);
  }

  /** The node a transition goes to; a name of no state gets a node of its own, marked missing. */
  #target(name: unknown, ids: Map<string, string>, indent: string, missing = new Map<string, string>()): string {
    const text = typeof name === 'string' ? name : String(JSON.stringify(name) ?? 'nothing');
    const id = typeof name === 'string' ? ids.get(name) : undefined;
    if (id !== undefined) return id;
    let missingId = missing.get(text);
    if (missingId === undefined) {
      missingId = `s${this.#next++}`;
      missing.set(text, missingId);
      this.#nodes.push(`${indent}${node(missingId, labelText(`missing: ${text}`), 'box')}`);
      this.#mark(missingId, 'missing');
    }
    return missingId;
  }

  #drawRemoved(): void {
    const removed = this.#options.removed ?? [];
    if (removed.length === 0) return;
    this.#nodes.push('  subgraph qRemoved ["removed"]');
    for (const state of removed) {
      const id = `s${this.#next++}`;
      this.#nodes.push(`    ${node(id, labelText(state.name), 'box')}`);
      this.#mark(id, 'removed');
    }
    this.#nodes.push('  end');
  }

  #mark(id: string, mark: StateMark | 'missing' | undefined): void {
    if (mark === undefined) return;
    const ids = this.#classes.get(mark) ?? [];
    ids.push(id);
    this.#classes.set(mark, ids);
  }

  #strongestMarkIn(path: string[], inner: Scope[]): StateMark | undefined {
    const marks = this.#options.marks;
    if (!marks) return undefined;
    const found = new Set<StateMark>();
    const own = marks.get(stateKey(path));
    if (own) found.add(own);
    for (const scope of inner) walkStates(scope, (key) => {
      const mark = marks.get(key);
      if (mark) found.add(mark);
    });
    return MARK_ORDER.find((mark) => found.has(mark));
  }
}

/** The edges a folded drawing would have, counted without drawing: more than maxEdges and it is not drawn. */
function transitionsAtTop(top: Scope): number {
  let count = 1;
  for (const state of Object.values(top.states)) {
    if (!isObject(state)) continue;
    count += Number(typeof state.Next === 'string') + Number(state.End === true || state.Type === 'Succeed' || state.Type === 'Fail');
    count += (Array.isArray(state.Choices) ? state.Choices.length : 0) + Number(state.Default !== undefined) + (Array.isArray(state.Catch) ? state.Catch.length : 0);
  }
  return count;
}

function shapeOf(type: string | undefined): Shape {
  if (type === 'Choice') return 'choice';
  if (type === 'Succeed' || type === 'Fail') return 'terminal';
  return 'box';
}
