/**
 * Amazon States Language, as Step Functions enforces it when a state machine is created or updated
 * (https://states-language.net/spec.html and the Step Functions developer guide): structure of every block,
 * fields allowed per state type and query language, transitions, reachability, Retry/Catch, Choice rules,
 * JSONPath / intrinsic function syntax and JSONata expressions.
 *
 * One file: every check below is a step of one walk sharing its state (the report, each block's transitions for
 * reachability, the query language in force, the JSONata budget). What needs none of it is apart: the language's
 * tables in asl-fields.ts, retriers in asl-retry.ts, Task ARNs and Credentials in asl-task.ts, the Map's mode and
 * Distributed-mode objects in asl-map.ts, paths and intrinsic calls in paths.ts (with the functions' signatures in
 * asl-intrinsics.ts), JSONata in jsonata.ts.
 *
 * A value that is a `${Name}` placeholder as a whole is accepted wherever a value stands: it is filled in at
 * deploy, and may then be a number, an ARN or anything else.
 */
import type { Node } from 'jsonc-parser';
import type { Report } from './report.ts';
import { type IntrinsicProblem, type PathKind, checkDynamicValue, checkIntrinsic, checkPath } from './paths.ts';
import { checkJsonata, checkJsonataDelimiters, isJsonataString } from './jsonata.ts';
import { isPlaceholder } from './substitutions.ts';
import { checkErrorEquals, checkRetry } from './asl-retry.ts';
import { checkCredentials, checkLambdaResource } from './asl-task.ts';
import { checkMapModeAndConfigs } from './asl-map.ts';
import { type Field, describeType, fieldMap, fieldsOf, isArray, isObject, stringValue } from './tree.ts';
import {
  COMPARISON_OPERATORS,
  FLOW_TYPES,
  JSONATA_ONLY,
  JSONPATH_ONLY,
  MAX_SECONDS,
  type QueryLanguage,
  STATE_TYPES,
  TIMESTAMP,
  allowedFields,
  jsonataReplacement,
} from './asl-fields.ts';


/** A state seen while walking the machine, for the per-state hooks (Quetzal rules). */
export interface VisitedState {
  name: string;
  type: string;
  node: Node;
  fields: Map<string, Field>;
  queryLanguage: QueryLanguage;
}

interface Transition {
  from: string;
  target: string;
  node: Node;
  /** What kind of transition, for messages: "Next", "Default", "Catch Next", "Choice Next". */
  via: string;
}

interface Block {
  /** "the state machine", "branch 1 of Parallel state X", "the ItemProcessor of Map state Y". */
  label: string;
  node: Node;
  names: Map<string, Field>;
  startAt: Field | undefined;
  transitions: Transition[];
  terminal: boolean;
  /** Entries of "States" that are not state objects (already reported). */
  broken: Set<string>;
}

const STATE_NAME_MAX = 80;
/** Fields of a state whose values are catchers, retriers or choice rules: their own "Comment" is free text too. */
const STRUCTURAL_FIELDS = new Set(['Catch', 'Retry', 'Choices', 'And', 'Or', 'Not']);
/**
 * Different JSONata expressions checked per definition: the 60,000 of a 1 MB definition made of them would take
 * seconds to parse (bench/README.md, `npm run bench:hostile -- --only many-jsonata`). A real definition holds a few
 * hundred.
 */
export const MAX_JSONATA_EXPRESSIONS = 10_000;

export class AslChecker {
  readonly #report: Report;
  readonly #onState: (state: VisitedState) => void;
  readonly #blocks: Block[] = [];
  /** Every state name of the machine: AWS requires them unique across all blocks. */
  readonly #allNames = new Map<string, { key: Node; block: Block }>();
  #topLanguage: QueryLanguage = 'JSONPath';
  /** What checkJsonata said of each expression seen (an expression repeated is parsed once). */
  readonly #jsonata = new Map<string, string | undefined>();
  /** JSONata expressions left unchecked past MAX_JSONATA_EXPRESSIONS, and where the first one is. */
  #jsonataSkipped = { count: 0, offset: 0 };

  constructor(report: Report, onState: (state: VisitedState) => void) {
    this.#report = report;
    this.#onState = onState;
  }

  check(root: Node): void {
    const report = this.#report;
    if (!isObject(root)) {
      report.error('asl/structure', root.offset, `The definition must be a JSON object with "StartAt" and "States", not ${describeType(root)}.`);
      return;
    }
    const fields = fieldMap(root);
    for (const field of fields.values()) {
      if (!['Comment', 'StartAt', 'States', 'Version', 'TimeoutSeconds', 'QueryLanguage'].includes(field.name)) {
        report.error('asl/unknown-field', field.key.offset, `Unknown top-level field "${field.name}": a state machine has only Comment, StartAt, States, Version, TimeoutSeconds and QueryLanguage. Remove it${field.name.startsWith('Start') || field.name === 'States ' ? ' or fix its spelling' : ''}.`);
      }
    }
    const language = fields.get('QueryLanguage');
    if (language?.value) {
      const value = stringValue(language.value);
      if (value === 'JSONata' || value === 'JSONPath') this.#topLanguage = value;
      else if (!isPlaceholder(value)) {
        report.error('asl/query-language', language.value.offset, `QueryLanguage must be "JSONPath" or "JSONata", not ${describeType(language.value)}.`);
      }
    }
    this.#checkPositiveInteger(fields.get('TimeoutSeconds'), 1, MAX_SECONDS, 'JSONPath');
    this.#checkString(fields.get('Comment'));
    this.#checkString(fields.get('Version'));
    this.#checkBlock(root, fields, 'the state machine');
    this.#checkTransitions();
    if (this.#jsonataSkipped.count > 0) {
      report.warning('jsonata/not-checked', this.#jsonataSkipped.offset, `The definition holds more than ${MAX_JSONATA_EXPRESSIONS} different JSONata expressions: the action checked the first ${MAX_JSONATA_EXPRESSIONS}, not the ${this.#jsonataSkipped.count} from here on (Step Functions checks them when the definition is deployed).`);
    }
  }

  #checkString(field: Field | undefined): void {
    if (field?.value && field.value.type !== 'string') {
      this.#report.error('asl/field-type', field.value.offset, `"${field.name}" must be a string, not ${describeType(field.value)}.`);
    }
  }

  #checkBlock(node: Node, fields: Map<string, Field>, label: string): Block {
    const report = this.#report;
    const block: Block = { label, node, names: new Map(), startAt: fields.get('StartAt'), transitions: [], terminal: false, broken: new Set() };
    this.#blocks.push(block);
    const startAt = block.startAt;
    if (!startAt) {
      report.error('asl/missing-field', node.offset, `${capitalize(label)} has no "StartAt": add "StartAt" with the name of its first state.`);
    } else if (startAt.value && startAt.value.type !== 'string') {
      report.error('asl/field-type', startAt.value.offset, `"StartAt" must be the name of a state (a string), not ${describeType(startAt.value)}.`);
    }
    const states = fields.get('States');
    if (!states) {
      report.error('asl/missing-field', node.offset, `${capitalize(label)} has no "States": add a "States" object holding its states.`);
      return block;
    }
    if (!isObject(states.value)) {
      if (states.value) report.error('asl/field-type', states.value.offset, `"States" must be an object of states, not ${describeType(states.value)}.`);
      return block;
    }
    const stateFields = fieldsOf(states.value);
    if (stateFields.length === 0) {
      report.error('asl/missing-field', states.value.offset, `"States" of ${label} is empty: add at least one state.`);
    }
    for (const state of stateFields) {
      const name = state.name;
      if (block.names.has(name)) {
        report.error('asl/duplicate-state-name', state.key.offset, `State "${name}" is defined twice in ${label}; JSON keeps only the last one. Rename or remove one of them.`);
      } else {
        const elsewhere = this.#allNames.get(name);
        if (elsewhere) {
          report.error('asl/duplicate-state-name', state.key.offset, `State name "${name}" is already used in ${elsewhere.block.label} (line ${report.lineOf(elsewhere.key.offset)}): state names must be unique across the whole state machine, nested blocks included. Rename one of them.`);
        } else {
          this.#allNames.set(name, { key: state.key, block });
        }
      }
      block.names.set(name, state);
      if (name.length > STATE_NAME_MAX) {
        report.error('asl/state-name', state.key.offset, `State name "${name.slice(0, 30)}..." is ${name.length} characters long; Step Functions allows at most ${STATE_NAME_MAX}. Shorten it.`);
      } else if (name.length === 0) {
        report.error('asl/state-name', state.key.offset, 'A state has an empty name: give it a name.');
      }
      if (!isObject(state.value)) {
        block.broken.add(name);
        const what = state.value ? describeType(state.value) : 'nothing';
        report.error('asl/structure', (state.value ?? state.key).offset, `"${name}" in "States" must be a state object (with "Type"), not ${what}${state.name === 'QueryLanguage' || state.name === 'Comment' ? `: move "${state.name}" out of "States", next to "StartAt"` : ''}.`);
        continue;
      }
      this.#checkState(name, state.value, block);
    }
    return block;
  }

  #checkState(name: string, node: Node, block: Block): void {
    const report = this.#report;
    const fields = fieldMap(node);
    const typeField = fields.get('Type');
    const type = stringValue(typeField?.value);
    if (!typeField) {
      report.error('asl/state-type', node.offset, `State "${name}" has no "Type": add one of ${[...STATE_TYPES].join(', ')}.`);
      return;
    }
    if (type === undefined || !STATE_TYPES.has(type)) {
      report.error('asl/state-type', typeField.value?.offset ?? typeField.key.offset, `State "${name}" has an unknown Type ${typeField.value ? describeType(typeField.value) : ''}: use one of ${[...STATE_TYPES].join(', ')}.`);
      return;
    }

    // Query language: the state's own, or the machine's.
    let language = this.#topLanguage;
    const ownLanguage = fields.get('QueryLanguage');
    if (ownLanguage?.value) {
      const value = stringValue(ownLanguage.value);
      if (value === 'JSONPath' || value === 'JSONata') {
        if (value === 'JSONPath' && this.#topLanguage === 'JSONata') {
          report.error('asl/query-language', ownLanguage.value.offset, `State "${name}" sets QueryLanguage "JSONPath" but the state machine uses "JSONata": AWS refuses JSONPath states in a JSONata machine. Convert the state to JSONata, or set the top-level QueryLanguage to "JSONPath" and mark JSONata states one by one.`);
        }
        language = value;
      } else {
        report.error('asl/query-language', ownLanguage.value.offset, `QueryLanguage of state "${name}" must be "JSONPath" or "JSONata", not ${describeType(ownLanguage.value)}.`);
      }
    }

    // Fields allowed for this type and language.
    const allowed = allowedFields(type, language);
    for (const field of fields.values()) {
      if (allowed.has(field.name)) continue;
      if (language === 'JSONata' && JSONPATH_ONLY.has(field.name)) {
        report.error('asl/query-language', field.key.offset, `"${field.name}" is a JSONPath field but state "${name}" uses JSONata: use ${jsonataReplacement(field.name)} instead (or set "QueryLanguage": "JSONPath" on the state).`);
      } else if (language === 'JSONPath' && JSONATA_ONLY.has(field.name)) {
        report.error('asl/query-language', field.key.offset, `"${field.name}" only exists with JSONata but state "${name}" uses JSONPath: add "QueryLanguage": "JSONata" to the state, or use ${field.name === 'Arguments' ? '"Parameters"' : field.name === 'Items' ? '"ItemsPath"' : '"OutputPath"/"ResultSelector"'}.`);
      } else if ((field.name === 'Next' || field.name === 'End') && !FLOW_TYPES.has(type)) {
        report.error('asl/end-or-next', field.key.offset, type === 'Choice'
          ? `A Choice state cannot have "${field.name}": its transitions are the "Next" of each rule in "Choices" and "Default". Remove "${field.name}".`
          : `A ${type} state ends its block and cannot have "${field.name}": remove it.`);
      } else {
        report.error('asl/unknown-field', field.key.offset, `Field "${field.name}" is not allowed in a ${type} state${language === 'JSONata' ? ' (JSONata)' : ''}: remove it or fix its spelling. Allowed: ${[...allowed].join(', ')}.`);
      }
    }
    this.#checkString(fields.get('Comment'));

    // Transitions.
    if (FLOW_TYPES.has(type)) {
      const next = fields.get('Next');
      const end = fields.get('End');
      if (end?.value && end.value.type !== 'boolean' && !isPlaceholder(end.value.value)) {
        report.error('asl/field-type', end.value.offset, `"End" must be true, not ${describeType(end.value)}.`);
      }
      const ends = end?.value?.value === true;
      if (next && ends) {
        report.error('asl/end-or-next', next.key.offset, `State "${name}" has both "Next" and "End": keep "Next" to go on, or "End": true to stop here.`);
      } else if (!next && !ends) {
        report.error('asl/end-or-next', (fields.get('Type') ?? { key: node }).key.offset, `State "${name}" has neither "Next" nor "End": add "Next" with the state that follows, or "End": true if the ${block.label === 'the state machine' ? 'execution' : 'block'} stops here.`);
      }
      if (ends) block.terminal = true;
      if (next) this.#transition(block, name, next, 'Next');
    } else if (type === 'Succeed' || type === 'Fail') {
      block.terminal = true;
    }

    if (language === 'JSONPath') {
      this.#checkJsonPathFields(name, fields);
    } else {
      this.#checkJsonataStrings(node);
      this.#checkJsonataTemplates(name, fields);
    }

    switch (type) {
      case 'Task':
        this.#checkTask(name, fields, language);
        break;
      case 'Pass':
        break;
      case 'Choice':
        this.#checkChoice(name, fields, block, language);
        break;
      case 'Wait':
        this.#checkWait(name, node, fields, language);
        break;
      case 'Fail':
        this.#checkFail(fields);
        break;
      case 'Parallel':
        this.#checkParallel(name, node, fields);
        break;
      case 'Map':
        this.#checkMap(name, node, fields, language);
        break;
    }
    if (type === 'Task' || type === 'Parallel' || type === 'Map') {
      checkRetry(this.#report, fields.get('Retry'));
      this.#checkCatch(name, fields.get('Catch'), block, language);
    }
    this.#onState({ name, type, node, fields, queryLanguage: language });
  }

  #transition(block: Block, from: string, field: Field, via: string): void {
    const value = field.value;
    if (!value) return;
    if (value.type !== 'string') {
      this.#report.error('asl/field-type', value.offset, `"${field.name}" must be the name of a state (a string), not ${describeType(value)}.`);
      return;
    }
    if (isPlaceholder(value.value)) return;
    block.transitions.push({ from, target: value.value as string, node: value, via });
  }

  /** Targets exist in the same block, every state is reachable, and every block can end. */
  #checkTransitions(): void {
    const report = this.#report;
    for (const block of this.#blocks) {
      const targetsOf = new Map<string, string[]>();
      for (const transition of block.transitions) {
        if (!block.names.has(transition.target)) {
          const elsewhere = this.#allNames.get(transition.target);
          report.error('asl/next-target', transition.node.offset, elsewhere
            ? `${transition.via} of state "${transition.from}" goes to "${transition.target}", which is in ${elsewhere.block.label}: a state can only go to states of its own block. Point it to a state of ${block.label}.`
            : `${transition.via} of state "${transition.from}" goes to "${transition.target}", but there is no such state in ${block.label}${suggest(transition.target, similarNames(block))}. Fix the name or add the state.`);
          continue;
        }
        let targets = targetsOf.get(transition.from);
        if (!targets) targetsOf.set(transition.from, (targets = []));
        targets.push(transition.target);
      }
      const start = stringValue(block.startAt?.value);
      if (start === undefined || block.names.size === 0) continue;
      if (!block.names.has(start)) {
        if (!isPlaceholder(start)) {
          report.error('asl/start-at', block.startAt!.value!.offset, `"StartAt" of ${block.label} names "${start}", but there is no such state in it${suggest(start, similarNames(block))}. Use the name of its first state.`);
        }
        continue;
      }
      const reached = new Set([start]);
      const queue = [start];
      while (queue.length > 0) {
        for (const target of targetsOf.get(queue.pop()!) ?? []) {
          if (!reached.has(target)) {
            reached.add(target);
            queue.push(target);
          }
        }
      }
      for (const [name, field] of block.names) {
        if (!reached.has(name) && !block.broken.has(name)) {
          report.error('asl/unreachable', field.key.offset, `State "${name}" can never run: no transition from "StartAt" ("${start}") leads to it, and Step Functions refuses unreachable states. Point a "Next" (or a Choice/Catch) to it, or remove it.`);
        }
      }
      if (!block.terminal) {
        report.error('asl/no-terminal', block.startAt!.key.offset, `${capitalize(block.label)} never ends: no state has "End": true and there is no Succeed or Fail state. Add "End": true to its last state.`);
      }
    }
  }

  #checkJsonPathFields(name: string, fields: Map<string, Field>): void {
    this.#checkPathField(fields.get('InputPath'), 'path', true);
    this.#checkPathField(fields.get('OutputPath'), 'path', true);
    this.#checkPathField(fields.get('ResultPath'), 'result', true);
    for (const field of ['TimeoutSecondsPath', 'HeartbeatSecondsPath', 'SecondsPath', 'TimestampPath', 'ItemsPath', 'MaxConcurrencyPath', 'ToleratedFailureCountPath', 'ToleratedFailurePercentagePath']) {
      this.#checkPathField(fields.get(field), 'reference', false);
    }
    for (const field of ['Parameters', 'ResultSelector', 'ItemSelector']) {
      const template = fields.get(field);
      if (!template?.value || isPlaceholder(template.value.value)) continue;
      if (!isObject(template.value)) {
        this.#report.error('asl/field-type', template.value.offset, `"${field}" of state "${name}" must be an object (a payload template), not ${describeType(template.value)}.`);
        continue;
      }
      this.#checkPayloadTemplate(template.value);
    }
    const assign = fields.get('Assign');
    if (assign?.value && isObject(assign.value)) this.#checkPayloadTemplate(assign.value);
  }

  /** "Arguments" and "ItemSelector" of a JSONata state: an object, or one {% %} expression ("Output" takes any JSON value). */
  #checkJsonataTemplates(name: string, fields: Map<string, Field>): void {
    for (const field of ['Arguments', 'ItemSelector']) {
      const value = fields.get(field)?.value;
      if (value && !isObject(value) && !this.#isDeferred(value, 'JSONata')) {
        this.#report.error('asl/field-type', value.offset, `"${field}" of state "${name}" must be an object or a {% %} expression, not ${describeType(value)}${field === 'Arguments' ? ': wrap the value in an object, or compute it with "{% ... %}"' : ''}.`);
      }
    }
  }

  #checkPathField(field: Field | undefined, kind: PathKind, nullable: boolean): void {
    const value = field?.value;
    if (!field || !value) return;
    if (value.type === 'null' && nullable) return;
    if (value.type !== 'string') {
      this.#report.error('asl/field-type', value.offset, `"${field.name}" must be a path string${nullable ? ' or null' : ''}, not ${describeType(value)}.`);
      return;
    }
    if (isPlaceholder(value.value)) return;
    const text = value.value as string;
    if (kind === 'result' && isVariablePath(text)) {
      // The guide: a variable may stand in any JSONPath field "with the exception of ResultPath".
      this.#report.error('asl/result-path-variable', value.offset, `${field.name} "${text}" names a variable, but ResultPath only places the result in the state's data: use a path such as "$.result" (or null to discard the result), and store the value in a variable with "Assign".`);
      return;
    }
    const problem = checkPath(text, kind);
    if (problem) this.#report.error('asl/jsonpath', value.offset, `${field.name}: ${problem}.`);
  }

  /** Parameters-like objects: `"key.$"` values are paths or intrinsic functions; no duplicate after stripping `.$`. */
  #checkPayloadTemplate(node: Node): void {
    if (isArray(node)) {
      for (const child of node.children ?? []) if (isObject(child) || isArray(child)) this.#checkPayloadTemplate(child);
      return;
    }
    const seen = new Map<string, Field>();
    for (const field of fieldsOf(node)) {
      const dynamic = field.name.endsWith('.$');
      const plain = dynamic ? field.name.slice(0, -2) : field.name;
      const other = seen.get(plain);
      if (other && other.name !== field.name) {
        this.#report.error('asl/payload-duplicate', field.key.offset, `"${field.name}" and "${other.name}" both produce the field "${plain}": keep only one of them.`);
      }
      seen.set(plain, field);
      const value = field.value;
      if (!value) continue;
      if (dynamic) {
        if (value.type !== 'string') {
          this.#report.error('asl/field-type', value.offset, `"${field.name}" ends in ".$", so its value must be a path or an intrinsic function string, not ${describeType(value)}. Remove ".$" from the name to pass the value as is.`);
          continue;
        }
        const text = value.value as string;
        if (isPlaceholder(text)) continue;
        const problem = checkDynamicValue(text);
        if (problem) this.#report.error(problem.rule, value.offset, `${field.name}: ${problem.message}.`);
      } else if (isObject(value) || isArray(value)) {
        this.#checkPayloadTemplate(value);
      }
    }
  }

  /**
   * Every `{% %}` string of a JSONata state (nested blocks excluded: they are checked as states), and the strings
   * that look like a misplaced one. "Comment" of the state, its catchers, retriers and choice rules is free text.
   */
  #checkJsonataStrings(node: Node): void {
    const visit = (current: Node, structural: boolean) => {
      if (current.type === 'string') {
        const text = current.value as string;
        if (!isJsonataString(text)) {
          const misplaced = checkJsonataDelimiters(text);
          if (misplaced) this.#report.error('asl/jsonata-delimiters', current.offset, `${misplaced}.`);
          return;
        }
        let problem = this.#jsonata.get(text);
        if (problem === undefined && !this.#jsonata.has(text)) {
          if (this.#jsonata.size >= MAX_JSONATA_EXPRESSIONS) {
            if (this.#jsonataSkipped.count++ === 0) this.#jsonataSkipped.offset = current.offset;
            return;
          }
          problem = checkJsonata(text);
          this.#jsonata.set(text, problem);
        }
        if (problem) this.#report.error('jsonata/syntax', current.offset, `${problem}.`);
        return;
      }
      if (current.type === 'object') {
        for (const field of fieldsOf(current)) {
          if (!field.value) continue;
          if (structural && (field.name === 'Comment' || field.name === 'Branches' || field.name === 'ItemProcessor' || field.name === 'Iterator')) continue;
          visit(field.value, structural && STRUCTURAL_FIELDS.has(field.name));
        }
      } else if (current.type === 'array') {
        for (const child of current.children ?? []) visit(child, structural);
      }
    };
    visit(node, true);
  }

  #isDeferred(value: Node, language: QueryLanguage): boolean {
    if (value.type !== 'string') return false;
    const text = value.value as string;
    return isPlaceholder(text) || (language === 'JSONata' && isJsonataString(text));
  }

  #checkPositiveInteger(field: Field | undefined, minimum: number, maximum: number, language: QueryLanguage): number | undefined {
    const value = field?.value;
    if (!field || !value || this.#isDeferred(value, language)) return undefined;
    if (value.type !== 'number' || !Number.isInteger(value.value)) {
      this.#report.error('asl/field-type', value.offset, `"${field.name}" must be an integer${language === 'JSONata' ? ' (or a {% %} expression)' : ''}, not ${describeType(value)}.`);
      return undefined;
    }
    const number = value.value as number;
    if (number < minimum || number > maximum) {
      this.#report.error('asl/field-range', value.offset, `"${field.name}" is ${number}; it must be between ${minimum} and ${maximum}.`);
      return undefined;
    }
    return number;
  }

  #exclusive(fields: Map<string, Field>, a: string, b: string): void {
    const second = fields.get(b);
    if (fields.has(a) && second) {
      this.#report.error('asl/exclusive-fields', second.key.offset, `"${a}" and "${b}" cannot both be set: keep one of them.`);
    }
  }

  #checkTask(name: string, fields: Map<string, Field>, language: QueryLanguage): void {
    const report = this.#report;
    const resource = fields.get('Resource');
    if (!resource) {
      report.error('asl/missing-field', fields.get('Type')!.key.offset, `Task state "${name}" has no "Resource": add the ARN of what it runs (e.g. "arn:aws:states:::lambda:invoke").`);
    } else if (resource.value) {
      const value = stringValue(resource.value);
      if (value === undefined) {
        report.error('asl/field-type', resource.value.offset, `"Resource" must be an ARN string, not ${describeType(resource.value)}.`);
      } else if (!value.startsWith('arn:') && !value.includes('${')) {
        report.error('asl/resource', resource.value.offset, `"Resource" of state "${name}" is "${value}", which is not an ARN: use e.g. "arn:aws:states:::lambda:invoke" or the function's ARN.`);
      } else {
        const problem = checkLambdaResource(value);
        if (problem) report.error('asl/lambda-arn', resource.value.offset, `"Resource" of state "${name}": ${problem}.`);
      }
    }
    const timeout = this.#checkPositiveInteger(fields.get('TimeoutSeconds'), 1, MAX_SECONDS, language);
    const heartbeat = this.#checkPositiveInteger(fields.get('HeartbeatSeconds'), 1, MAX_SECONDS, language);
    if (timeout !== undefined && heartbeat !== undefined && heartbeat >= timeout) {
      report.error('asl/field-range', fields.get('HeartbeatSeconds')!.value!.offset, `"HeartbeatSeconds" (${heartbeat}) must be smaller than "TimeoutSeconds" (${timeout}).`);
    }
    this.#exclusive(fields, 'TimeoutSeconds', 'TimeoutSecondsPath');
    this.#exclusive(fields, 'HeartbeatSeconds', 'HeartbeatSecondsPath');
    const credentials = fields.get('Credentials');
    if (credentials) {
      for (const problem of checkCredentials(name, credentials, language)) report.error(problem.rule, problem.offset, problem.message);
      if (language === 'JSONPath' && isObject(credentials.value)) this.#checkPayloadTemplate(credentials.value);
    }
  }

  #checkWait(name: string, node: Node, fields: Map<string, Field>, language: QueryLanguage): void {
    const report = this.#report;
    const candidates = language === 'JSONPath' ? ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'] : ['Seconds', 'Timestamp'];
    const present = candidates.filter((field) => fields.has(field));
    if (present.length !== 1) {
      report.error('asl/exclusive-fields', present.length > 1 ? fields.get(present[1])!.key.offset : node.offset, `Wait state "${name}" needs exactly one of ${candidates.join(', ')}${present.length > 1 ? `, not ${present.join(' and ')}` : ''}.`);
    }
    this.#checkPositiveInteger(fields.get('Seconds'), 0, MAX_SECONDS, language);
    this.#checkTimestamp(fields.get('Timestamp'), language);
  }

  #checkTimestamp(field: Field | undefined, language: QueryLanguage): void {
    const value = field?.value;
    if (!field || !value || this.#isDeferred(value, language)) return;
    if (value.type !== 'string' || !TIMESTAMP.test(value.value as string)) {
      this.#report.error('asl/timestamp', value.offset, `"${field.name}" must be an RFC 3339 timestamp such as "2026-03-14T01:59:00Z" (uppercase T, and Z or an offset like +01:00), not ${describeType(value)}.`);
    }
  }

  #checkFail(fields: Map<string, Field>): void {
    this.#exclusive(fields, 'Error', 'ErrorPath');
    this.#exclusive(fields, 'Cause', 'CausePath');
    this.#checkString(fields.get('Error'));
    this.#checkString(fields.get('Cause'));
    for (const name of ['ErrorPath', 'CausePath']) {
      const field = fields.get(name);
      const value = field?.value;
      if (!field || !value) continue;
      if (value.type !== 'string') {
        this.#report.error('asl/field-type', value.offset, `"${name}" must be a path or an intrinsic function string, not ${describeType(value)}.`);
        continue;
      }
      const text = value.value as string;
      if (isPlaceholder(text)) continue;
      const problem = text.startsWith('$') ? pathProblem(checkPath(text, 'reference')) : checkIntrinsic(text);
      if (problem) this.#report.error(problem.rule, value.offset, `${name}: ${problem.message}.`);
    }
  }

  #checkParallel(name: string, node: Node, fields: Map<string, Field>): void {
    const branches = fields.get('Branches');
    if (!branches) {
      this.#report.error('asl/missing-field', node.offset, `Parallel state "${name}" has no "Branches": add an array of branches, each with "StartAt" and "States".`);
      return;
    }
    if (!isArray(branches.value) || (branches.value.children ?? []).length === 0) {
      if (branches.value) this.#report.error('asl/field-type', branches.value.offset, `"Branches" of Parallel state "${name}" must be a non-empty array of branches.`);
      return;
    }
    branches.value.children!.forEach((branch, index) => {
      const label = `branch ${index + 1} of Parallel state "${name}"`;
      if (!isObject(branch)) {
        this.#report.error('asl/field-type', branch.offset, `${capitalize(label)} must be an object with "StartAt" and "States".`);
        return;
      }
      this.#checkNestedBlock(branch, label, ['StartAt', 'States', 'Comment']);
    });
  }

  #checkNestedBlock(node: Node, label: string, allowed: readonly string[]): void {
    const fields = fieldMap(node);
    for (const field of fields.values()) {
      if (!allowed.includes(field.name)) {
        this.#report.error('asl/unknown-field', field.key.offset, `Field "${field.name}" is not allowed in ${label}: it takes ${allowed.join(', ')}. Remove it.`);
      }
    }
    this.#checkBlock(node, fields, label);
  }

  #checkMap(name: string, node: Node, fields: Map<string, Field>, language: QueryLanguage): void {
    const report = this.#report;
    const processor = fields.get('ItemProcessor') ?? fields.get('Iterator');
    if (fields.has('ItemProcessor') && fields.has('Iterator')) {
      report.error('asl/exclusive-fields', fields.get('Iterator')!.key.offset, `Map state "${name}" has both "ItemProcessor" and "Iterator": keep "ItemProcessor" ("Iterator" is its deprecated name).`);
    }
    if (!processor) {
      report.error('asl/missing-field', node.offset, `Map state "${name}" has no "ItemProcessor": add one with "StartAt" and "States" to process each item.`);
    } else if (!isObject(processor.value)) {
      if (processor.value) report.error('asl/field-type', processor.value.offset, `"${processor.name}" of Map state "${name}" must be an object with "StartAt" and "States".`);
    } else {
      this.#checkNestedBlock(processor.value, `the ${processor.name} of Map state "${name}"`, ['StartAt', 'States', 'Comment', 'ProcessorConfig']);
    }
    this.#checkPositiveInteger(fields.get('MaxConcurrency'), 0, MAX_SECONDS, language);
    this.#checkPositiveInteger(fields.get('ToleratedFailureCount'), 0, MAX_SECONDS, language);
    const percentage = fields.get('ToleratedFailurePercentage');
    if (percentage?.value && !this.#isDeferred(percentage.value, language)) {
      const value = percentage.value.value;
      if (percentage.value.type !== 'number' || value < 0 || value > 100) {
        report.error('asl/field-range', percentage.value.offset, `"ToleratedFailurePercentage" must be a number between 0 and 100, not ${describeType(percentage.value)}.`);
      }
    }
    this.#exclusive(fields, 'MaxConcurrency', 'MaxConcurrencyPath');
    this.#exclusive(fields, 'ToleratedFailureCount', 'ToleratedFailureCountPath');
    this.#exclusive(fields, 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath');
    checkMapModeAndConfigs({
      report,
      language,
      integer: (field, minimum, maximum) => this.#checkPositiveInteger(field, minimum, maximum, language),
      referencePath: (field) => this.#checkPathField(field, 'reference', false),
      payloadTemplate: (template) => this.#checkPayloadTemplate(template),
      exclusive: (map, a, b) => this.#exclusive(map, a, b),
    }, name, fields);
  }

  #checkCatch(name: string, catchField: Field | undefined, block: Block, language: QueryLanguage): void {
    const report = this.#report;
    if (!catchField?.value) return;
    if (!isArray(catchField.value)) {
      report.error('asl/catch', catchField.value.offset, `"Catch" must be an array of catchers, not ${describeType(catchField.value)}.`);
      return;
    }
    const allowed = language === 'JSONPath' ? ['ErrorEquals', 'Next', 'ResultPath', 'Comment', 'Assign'] : ['ErrorEquals', 'Next', 'Output', 'Comment', 'Assign'];
    const items = catchField.value.children ?? [];
    items.forEach((item, index) => {
      if (!isObject(item)) {
        report.error('asl/catch', item.offset, `Each catcher in "Catch" must be an object with "ErrorEquals" and "Next", not ${describeType(item)}.`);
        return;
      }
      const fields = fieldMap(item);
      for (const field of fields.values()) {
        if (!allowed.includes(field.name)) {
          report.error(field.name === 'ResultPath' || field.name === 'Output' ? 'asl/query-language' : 'asl/catch', field.key.offset, `Field "${field.name}" is not allowed in a catcher${language === 'JSONata' ? ' of a JSONata state' : ''}: a catcher takes ${allowed.join(', ')}.`);
        }
      }
      checkErrorEquals(this.#report, catchField, item, fields, 'Catcher', index === items.length - 1);
      const next = fields.get('Next');
      if (!next) report.error('asl/catch', item.offset, `Catcher ${index + 1} of state "${name}" has no "Next": add the state to go to when the error is caught.`);
      else this.#transition(block, name, next, 'Catch "Next"');
      if (language === 'JSONPath') {
        this.#checkPathField(fields.get('ResultPath'), 'result', true);
        const assign = fields.get('Assign');
        if (isObject(assign?.value)) this.#checkPayloadTemplate(assign.value);
      }
    });
  }

  #checkChoice(name: string, fields: Map<string, Field>, block: Block, language: QueryLanguage): void {
    const report = this.#report;
    const choices = fields.get('Choices');
    if (!choices) {
      report.error('asl/missing-field', fields.get('Type')!.key.offset, `Choice state "${name}" has no "Choices": add a non-empty array of choice rules.`);
    } else if (!isArray(choices.value) || (choices.value.children ?? []).length === 0) {
      if (choices.value) report.error('asl/field-type', choices.value.offset, `"Choices" of state "${name}" must be a non-empty array of choice rules.`);
    } else {
      for (const rule of choices.value.children!) this.#checkChoiceRule(name, rule, block, language, true);
    }
    const defaultField = fields.get('Default');
    if (defaultField) this.#transition(block, name, defaultField, 'Default');
  }

  #checkChoiceRule(name: string, rule: Node, block: Block, language: QueryLanguage, topLevel: boolean): void {
    const report = this.#report;
    if (!isObject(rule)) {
      report.error('asl/choice-rule', rule.offset, `A choice rule must be an object, not ${describeType(rule)}.`);
      return;
    }
    const fields = fieldMap(rule);
    const next = fields.get('Next');
    if (topLevel) {
      if (!next) report.error('asl/choice-rule', rule.offset, `A rule in "Choices" of state "${name}" has no "Next": add the state to go to when the rule matches.`);
      else this.#transition(block, name, next, 'Choice rule "Next"');
    } else if (next) {
      report.error('asl/choice-rule', next.key.offset, `"Next" is only allowed on the top-level rules of "Choices", not inside And/Or/Not: move it up.`);
    }
    if (language === 'JSONata') {
      const allowed = topLevel ? ['Condition', 'Next', 'Comment', 'Assign', 'Output'] : ['Condition', 'Comment'];
      for (const field of fields.values()) {
        if (allowed.includes(field.name) || field.name === 'Next') continue;
        report.error(field.name === 'Variable' || COMPARISON_OPERATORS.has(field.name) || ['And', 'Or', 'Not'].includes(field.name) ? 'asl/query-language' : 'asl/choice-rule', field.key.offset, `"${field.name}" is not allowed in a JSONata choice rule: write the test as "Condition": "{% ... %}".`);
      }
      const condition = fields.get('Condition');
      if (!condition) report.error('asl/choice-rule', rule.offset, 'A JSONata choice rule needs a "Condition": "{% <boolean expression> %}".');
      else if (condition.value && condition.value.type !== 'boolean' && !(condition.value.type === 'string' && (isJsonataString(condition.value.value) || isPlaceholder(condition.value.value)))) {
        report.error('asl/choice-rule', condition.value.offset, `"Condition" must be a JSONata expression "{% ... %}" or a boolean, not ${describeType(condition.value)}.`);
      }
      return;
    }
    const booleans = ['And', 'Or', 'Not'].filter((operator) => fields.has(operator));
    const comparisons = [...fields.keys()].filter((field) => COMPARISON_OPERATORS.has(field));
    for (const field of fields.values()) {
      if (['And', 'Or', 'Not', 'Variable', 'Next', 'Comment', 'Assign'].includes(field.name) || COMPARISON_OPERATORS.has(field.name)) continue;
      report.error(field.name === 'Condition' ? 'asl/query-language' : 'asl/choice-rule', field.key.offset, field.name === 'Condition'
        ? `"Condition" only exists with JSONata: add "QueryLanguage": "JSONata" to state "${name}", or write the rule with "Variable" and a comparison such as "StringEquals".`
        : `Unknown field "${field.name}" in a choice rule of state "${name}": use "Variable" with one comparison operator (StringEquals, NumericGreaterThan, IsPresent, ...), or And/Or/Not.`);
    }
    if (!topLevel && fields.has('Assign')) {
      report.error('asl/choice-rule', fields.get('Assign')!.key.offset, '"Assign" is only allowed on the top-level rules of "Choices": move it up.');
    }
    if (booleans.length > 0) {
      if (booleans.length > 1 || comparisons.length > 0 || fields.has('Variable')) {
        report.error('asl/choice-rule', rule.offset, `A choice rule with "${booleans[0]}" cannot also have ${[...booleans.slice(1), ...comparisons, ...(fields.has('Variable') ? ['Variable'] : [])].map((f) => `"${f}"`).join(', ')}: nest them inside it.`);
      }
      const operator = booleans[0];
      const value = fields.get(operator)!.value;
      if (!value) return;
      if (operator === 'Not') {
        if (!isObject(value)) report.error('asl/choice-rule', value.offset, `"Not" takes one choice rule (an object), not ${describeType(value)}.`);
        else this.#checkChoiceRule(name, value, block, language, false);
      } else if (!isArray(value) || (value.children ?? []).length === 0) {
        report.error('asl/choice-rule', value.offset, `"${operator}" takes a non-empty array of choice rules.`);
      } else {
        for (const child of value.children!) this.#checkChoiceRule(name, child, block, language, false);
      }
      return;
    }
    const variable = fields.get('Variable');
    if (!variable) {
      report.error('asl/choice-rule', rule.offset, `A choice rule of state "${name}" has no "Variable": add the path to test (e.g. "$.status") with one comparison operator, or use And/Or/Not.`);
    } else {
      this.#checkPathField(variable, 'path', false);
    }
    if (comparisons.length !== 1) {
      report.error('asl/choice-rule', comparisons.length > 1 ? fields.get(comparisons[1])!.key.offset : rule.offset, comparisons.length === 0
        ? `A choice rule of state "${name}" has no comparison operator: add exactly one, such as "StringEquals", "NumericGreaterThan", "BooleanEquals" or "IsPresent".`
        : `A choice rule has ${comparisons.length} comparison operators (${comparisons.join(', ')}): it takes exactly one. Combine several tests with "And".`);
    }
    for (const operator of comparisons) this.#checkComparison(fields.get(operator)!);
  }

  #checkComparison(field: Field): void {
    const value = field.value;
    if (!value || isPlaceholder(value.value)) return;
    const expected = COMPARISON_OPERATORS.get(field.name)!;
    const report = this.#report;
    switch (expected) {
      case 'path':
        this.#checkPathField(field, 'path', false);
        return;
      case 'number':
        if (value.type !== 'number') report.error('asl/choice-rule', value.offset, `"${field.name}" compares numbers: its value must be a number, not ${describeType(value)}.`);
        return;
      case 'boolean':
        if (value.type !== 'boolean') report.error('asl/choice-rule', value.offset, `"${field.name}" takes true or false, not ${describeType(value)}.`);
        return;
      case 'string':
      case 'pattern':
        if (value.type !== 'string') report.error('asl/choice-rule', value.offset, `"${field.name}" compares strings: its value must be a string, not ${describeType(value)}.`);
        return;
      case 'timestamp':
        if (value.type !== 'string' || !TIMESTAMP.test(value.value as string)) {
          report.error('asl/timestamp', value.offset, `"${field.name}" needs an RFC 3339 timestamp such as "2026-03-14T01:59:00Z", not ${describeType(value)}.`);
        }
        return;
    }
  }
}

/** `$name` or `$name.field`: a workflow variable, not the state's data (`$`, `$.x`) nor the context (`$$.x`). */
function isVariablePath(path: string): boolean {
  return /^\$[\p{ID_Start}_]/u.test(path);
}

function pathProblem(message: string | undefined): IntrinsicProblem | undefined {
  return message === undefined ? undefined : { rule: 'asl/jsonpath', message };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** ` (did you mean "X"?)` when a name differs from an existing one only by case or surrounding spaces. */
function suggest(name: string, similar: ReadonlyMap<string, string>): string {
  const candidate = similar.get(normalized(name));
  return candidate === undefined ? '' : ` (did you mean "${candidate}"?)`;
}

function normalized(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * A block's state names by their normalized form (the first name of each form), built once per block: thousands
 * of wrong targets each compared with thousands of names was quadratic.
 */
const similarCache = new WeakMap<Block, Map<string, string>>();
function similarNames(block: Block): Map<string, string> {
  let similar = similarCache.get(block);
  if (!similar) {
    similar = new Map();
    for (const candidate of block.names.keys()) {
      const key = normalized(candidate);
      if (!similar.has(key)) similar.set(key, candidate);
    }
    similarCache.set(block, similar);
  }
  return similar;
}
