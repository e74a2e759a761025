/**
 * The vocabulary of Amazon States Language that asl.ts checks against: the state types, the fields each allows per
 * query language, the Choice comparison operators and the numeric and timestamp limits: tables and lookups, no state.
 */

export type QueryLanguage = 'JSONPath' | 'JSONata';

export const STATE_TYPES = new Set(['Task', 'Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map']);
export const FLOW_TYPES = new Set(['Task', 'Pass', 'Wait', 'Parallel', 'Map']);
export const MAX_SECONDS = 99999999;
export const MAX_DELAY_SECONDS = 31622400;

/** Fields allowed on each state type, per query language (base fields are added below). */
const TYPE_FIELDS: Record<string, Record<QueryLanguage, readonly string[]>> = {
  Task: {
    JSONPath: ['Resource', 'Parameters', 'ResultSelector', 'ResultPath', 'Retry', 'Catch', 'TimeoutSeconds', 'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath', 'Credentials'],
    JSONata: ['Resource', 'Arguments', 'Retry', 'Catch', 'TimeoutSeconds', 'HeartbeatSeconds', 'Credentials'],
  },
  Pass: {
    JSONPath: ['Result', 'ResultPath', 'Parameters'],
    JSONata: ['Result'],
  },
  Choice: {
    JSONPath: ['Choices', 'Default'],
    JSONata: ['Choices', 'Default'],
  },
  Wait: {
    JSONPath: ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'],
    JSONata: ['Seconds', 'Timestamp'],
  },
  Succeed: { JSONPath: [], JSONata: [] },
  Fail: {
    JSONPath: ['Error', 'ErrorPath', 'Cause', 'CausePath'],
    JSONata: ['Error', 'Cause'],
  },
  Parallel: {
    JSONPath: ['Branches', 'Parameters', 'ResultSelector', 'ResultPath', 'Retry', 'Catch'],
    JSONata: ['Branches', 'Arguments', 'Retry', 'Catch'],
  },
  Map: {
    JSONPath: ['ItemProcessor', 'Iterator', 'ItemsPath', 'ItemSelector', 'Parameters', 'ItemReader', 'ItemBatcher', 'ResultWriter', 'MaxConcurrency', 'MaxConcurrencyPath', 'ToleratedFailureCount', 'ToleratedFailureCountPath', 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 'Label', 'ResultSelector', 'ResultPath', 'Retry', 'Catch'],
    JSONata: ['ItemProcessor', 'Iterator', 'Items', 'ItemSelector', 'ItemReader', 'ItemBatcher', 'ResultWriter', 'MaxConcurrency', 'ToleratedFailureCount', 'ToleratedFailurePercentage', 'Label', 'Retry', 'Catch'],
  },
};

/** Fields that only exist under one query language: used to explain why a field is refused. */
export const JSONPATH_ONLY = new Set(['InputPath', 'OutputPath', 'ResultPath', 'Parameters', 'ResultSelector', 'ItemsPath', 'TimeoutSecondsPath', 'HeartbeatSecondsPath', 'SecondsPath', 'TimestampPath', 'MaxConcurrencyPath', 'ToleratedFailurePercentagePath', 'ToleratedFailureCountPath', 'ErrorPath', 'CausePath']);
export const JSONATA_ONLY = new Set(['Arguments', 'Output', 'Items']);

const allowedFieldsCache = new Map<string, Set<string>>();

export function allowedFields(type: string, language: QueryLanguage): Set<string> {
  const cacheKey = `${type}/${language}`;
  let allowed = allowedFieldsCache.get(cacheKey);
  if (allowed) return allowed;
  const base = ['Type', 'Comment', 'QueryLanguage'];
  if (type !== 'Fail') base.push(...(language === 'JSONPath' ? ['InputPath', 'OutputPath'] : ['Output']));
  if (type !== 'Fail' && type !== 'Succeed') base.push('Assign');
  if (FLOW_TYPES.has(type)) base.push('Next', 'End');
  allowed = new Set([...base, ...TYPE_FIELDS[type][language]]);
  allowedFieldsCache.set(cacheKey, allowed);
  return allowed;
}

export const COMPARISON_OPERATORS: ReadonlyMap<string, 'string' | 'number' | 'boolean' | 'timestamp' | 'path' | 'pattern'> = new Map([
  ['StringEquals', 'string'], ['StringLessThan', 'string'], ['StringGreaterThan', 'string'],
  ['StringLessThanEquals', 'string'], ['StringGreaterThanEquals', 'string'], ['StringMatches', 'pattern'],
  ['NumericEquals', 'number'], ['NumericLessThan', 'number'], ['NumericGreaterThan', 'number'],
  ['NumericLessThanEquals', 'number'], ['NumericGreaterThanEquals', 'number'],
  ['BooleanEquals', 'boolean'],
  ['TimestampEquals', 'timestamp'], ['TimestampLessThan', 'timestamp'], ['TimestampGreaterThan', 'timestamp'],
  ['TimestampLessThanEquals', 'timestamp'], ['TimestampGreaterThanEquals', 'timestamp'],
  ['IsNull', 'boolean'], ['IsPresent', 'boolean'], ['IsNumeric', 'boolean'], ['IsString', 'boolean'],
  ['IsBoolean', 'boolean'], ['IsTimestamp', 'boolean'],
  ...['StringEquals', 'StringLessThan', 'StringGreaterThan', 'StringLessThanEquals', 'StringGreaterThanEquals',
    'NumericEquals', 'NumericLessThan', 'NumericGreaterThan', 'NumericLessThanEquals', 'NumericGreaterThanEquals',
    'BooleanEquals', 'TimestampEquals', 'TimestampLessThan', 'TimestampGreaterThan', 'TimestampLessThanEquals',
    'TimestampGreaterThanEquals'].map((name) => [`${name}Path`, 'path'] as const),
]);

/** RFC 3339 with an uppercase T and a Z or numeric offset, as the spec requires for timestamps. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** What a JSONPath-only field becomes under JSONata, for the message refusing it. */
export function jsonataReplacement(field: string): string {
  switch (field) {
    case 'Parameters':
      return '"Arguments"';
    case 'InputPath':
      return '"Arguments" with {% $states.input... %}';
    case 'ResultSelector':
    case 'ResultPath':
    case 'OutputPath':
      return '"Output" (and "Assign")';
    case 'ItemsPath':
      return '"Items"';
    default:
      return `"${field.replace(/Path$/, '')}" with a {% %} expression`;
  }
}
