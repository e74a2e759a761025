/**
 * The short texts of the picture: what a task runs (a Quetzal step's notebook, a service integration, a Lambda),
 * and a `Choice` rule in a few symbols (`$.choice == "all"`, a JSONata condition without its `{% %}`).
 */
import { labelText } from './mermaid.ts';
import { isObject, stringOr, type Json } from './states.ts';

/** What a Task runs, escaped for a label's second line; undefined for other states. */
export function taskDetail(state: unknown): string | undefined {
  if (!isObject(state) || state.Type !== 'Task') return undefined;
  const notebook = notebookOf(state);
  if (notebook !== undefined) return labelText(notebook.split(/[\\/]/).pop() ?? notebook, 40);
  const resource = stringOr(state.Resource);
  if (resource === undefined) return undefined;
  if (resource.startsWith('arn:aws:states:::')) return labelText(resource.slice('arn:aws:states:::'.length), 40);
  if (/^arn:aws[\w-]*:lambda:/.test(resource) || resource.includes(':function:')) return 'lambda';
  return labelText(resource, 40);
}

/** The notebook a Quetzal step runs: `notebook_path` in the Lambda payload (or in the input of a direct Lambda call). */
function notebookOf(state: Json): string | undefined {
  for (const field of ['Parameters', 'Arguments']) {
    const input = state[field];
    if (!isObject(input)) continue;
    const payload = isObject(input.Payload) ? input.Payload : input;
    const notebook = stringOr(payload.notebook_path);
    if (notebook !== undefined && notebook !== '') return notebook;
  }
  return undefined;
}

const OPERATORS: Record<string, string> = { Equals: '==', LessThan: '<', LessThanEquals: '<=', GreaterThan: '>', GreaterThanEquals: '>=' };
const COMPARISON = /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|LessThanEquals|GreaterThan|GreaterThanEquals)(Path)?$/;
const TEST = /^Is(Present|Null|String|Numeric|Boolean|Timestamp)$/;

/** A Choice rule in a few symbols (not yet escaped); nested And/Or/Not deeper than 4 levels become `…`. */
export function ruleLabel(rule: Json, queryLanguage: string, depth = 0): string {
  if (depth > 4) return '…';
  const nested = (value: unknown) => (isObject(value) ? ruleLabel(value, queryLanguage, depth + 1) : '?');
  if (typeof rule.Condition === 'string') return rule.Condition.trim().replace(/^\{%/, '').replace(/%\}$/, '').trim();
  if (Array.isArray(rule.And)) return rule.And.map(nested).join(' and ');
  if (Array.isArray(rule.Or)) return rule.Or.map(nested).join(' or ');
  if (rule.Not !== undefined) return `not (${nested(rule.Not)})`;
  const variable = stringOr(rule.Variable) ?? '?';
  for (const [key, value] of Object.entries(rule)) {
    const comparison = COMPARISON.exec(key);
    if (comparison) return `${variable} ${OPERATORS[comparison[2]]} ${comparison[3] ? String(value) : JSON.stringify(value)}`;
    if (key === 'StringMatches') return `${variable} matches ${JSON.stringify(value)}`;
    const test = TEST.exec(key);
    if (test) return `${variable} ${value === false ? 'is not' : 'is'} ${test[1].toLowerCase()}`;
  }
  return variable;
}
