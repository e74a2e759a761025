/** Retriers and the "ErrorEquals" of retriers and catchers, as Step Functions enforces them. */
import type { Node } from 'jsonc-parser';
import type { Report } from './report.ts';
import { MAX_DELAY_SECONDS, MAX_SECONDS } from './asl-fields.ts';
import { isPlaceholder } from './substitutions.ts';
import { type Field, describeType, fieldMap, isArray, isObject } from './tree.ts';

/** The "ErrorEquals" of a retrier or a catcher: a non-empty array of names, "States.ALL" alone and last. */
export function checkErrorEquals(report: Report, owner: Field | undefined, item: Node, fields: Map<string, Field>, kind: 'Retrier' | 'Catcher', isLast: boolean): void {
  const errors = fields.get('ErrorEquals');
  if (!errors) {
    report.error(kind === 'Retrier' ? 'asl/retry' : 'asl/catch', item.offset, `${kind} has no "ErrorEquals": add the error names it handles, e.g. ["States.ALL"].`);
    return;
  }
  const rule = kind === 'Retrier' ? 'asl/retry' : 'asl/catch';
  if (!isArray(errors.value) || (errors.value.children ?? []).length === 0) {
    if (errors.value) report.error(rule, errors.value.offset, `"ErrorEquals" must be a non-empty array of error names, e.g. ["States.ALL"].`);
    return;
  }
  const names = errors.value.children!;
  for (const error of names) {
    if (error.type !== 'string') {
      report.error(rule, error.offset, `Error names in "ErrorEquals" are strings, not ${describeType(error)}.`);
    } else if (error.value === 'States.ALL') {
      if (names.length > 1) {
        report.error(rule, error.offset, `"States.ALL" matches every error, so it must be alone in its "ErrorEquals": move the other names to an earlier ${kind.toLowerCase()}.`);
      }
      if (!isLast) {
        report.error(rule, error.offset, `The ${kind.toLowerCase()} with "States.ALL" must be the last one of its "${owner?.name ?? kind}" array: move it to the end.`);
      }
    }
  }
}

/** A state's "Retry": an array of retriers, each with known fields in range. */
export function checkRetry(report: Report, retry: Field | undefined): void {
  if (!retry?.value) return;
  if (!isArray(retry.value)) {
    report.error('asl/retry', retry.value.offset, `"Retry" must be an array of retriers, not ${describeType(retry.value)}.`);
    return;
  }
  const items = retry.value.children ?? [];
  items.forEach((item, index) => {
    if (!isObject(item)) {
      report.error('asl/retry', item.offset, `Each retrier in "Retry" must be an object with "ErrorEquals", not ${describeType(item)}.`);
      return;
    }
    const fields = fieldMap(item);
    for (const field of fields.values()) {
      if (!['ErrorEquals', 'IntervalSeconds', 'MaxAttempts', 'BackoffRate', 'MaxDelaySeconds', 'JitterStrategy', 'Comment'].includes(field.name)) {
        report.error('asl/retry', field.key.offset, `Unknown retrier field "${field.name}": a retrier takes ErrorEquals, IntervalSeconds, MaxAttempts, BackoffRate, MaxDelaySeconds, JitterStrategy and Comment.`);
      }
    }
    checkErrorEquals(report, retry, item, fields, 'Retrier', index === items.length - 1);
    retryNumber(report, fields.get('IntervalSeconds'), 1, MAX_SECONDS, true);
    retryNumber(report, fields.get('MaxAttempts'), 0, MAX_SECONDS, true);
    retryNumber(report, fields.get('MaxDelaySeconds'), 1, MAX_DELAY_SECONDS, true);
    retryNumber(report, fields.get('BackoffRate'), 1, Infinity, false);
    const jitter = fields.get('JitterStrategy');
    if (jitter?.value && !isPlaceholder(jitter.value.value) && jitter.value.value !== 'FULL' && jitter.value.value !== 'NONE') {
      report.error('asl/retry', jitter.value.offset, `"JitterStrategy" must be "FULL" or "NONE", not ${describeType(jitter.value)}.`);
    }
  });
}

function retryNumber(report: Report, field: Field | undefined, minimum: number, maximum: number, integer: boolean): void {
  const value = field?.value;
  if (!field || !value || isPlaceholder(value.value)) return;
  if (value.type !== 'number' || (integer && !Number.isInteger(value.value))) {
    report.error('asl/retry', value.offset, `"${field.name}" must be ${integer ? 'an integer' : 'a number'}, not ${describeType(value)}.`);
    return;
  }
  const number = value.value as number;
  if (number < minimum || number > maximum) {
    const range = maximum === Infinity ? `at least ${minimum}` : `between ${minimum} and ${maximum}`;
    report.error('asl/retry', value.offset, `"${field.name}" is ${number}; it must be ${range}.`);
  }
}
