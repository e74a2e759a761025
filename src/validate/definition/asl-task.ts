/**
 * Task state fields beyond their types: a Lambda function ARN in "Resource" and the "Credentials" object, as the
 * Step Functions developer guide describes them (https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html)
 * and the Lambda API states the parts of a function ARN (https://docs.aws.amazon.com/lambda/latest/api/API_AliasConfiguration.html).
 */
import type { Node } from 'jsonc-parser';
import type { QueryLanguage } from './asl-fields.ts';
import { isJsonataString } from './jsonata.ts';
import { isPlaceholder } from './substitutions.ts';
import { type Field, describeType, fieldsOf, isObject } from './tree.ts';

/** A `${Name}` placeholder inside a text: its parts are only known at deploy. */
const PLACEHOLDER = /\$\{[A-Za-z0-9_:.-]+\}/g;
/** Stands for a placeholder once replaced, so that the `:` of `${AWS::Region}` does not split the ARN. */
const FILLED = '\u0000';
/** `arn:<partition>:lambda:`, the partition possibly a placeholder (`${AWS::Partition}` holds colons). */
const LAMBDA_ARN = /^arn:(\$\{[A-Za-z0-9_:.-]+\}|[^:]*):lambda:/;
/** The usual case, checked in one test: a literal ARN whose name and qualifier are well formed. */
const VALID_LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[a-zA-Z0-9_-]{1,64}(:(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/;
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** "$LATEST", a version number, or an alias name (letters, digits, - and _, up to 128). */
const QUALIFIER = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/;

/**
 * What is wrong with a Lambda function ARN used as a Task "Resource"
 * (`arn:partition:lambda:region:account:function:name[:qualifier]`), or undefined. Other resources, and parts
 * that hold a placeholder, are not checked.
 */
export function checkLambdaResource(resource: string): string | undefined {
  if (!LAMBDA_ARN.test(resource) || VALID_LAMBDA_ARN.test(resource)) return undefined;
  const parts = resource.replace(PLACEHOLDER, FILLED).split(':');
  const known = (part: string | undefined) => part !== undefined && !part.includes(FILLED);
  const shape = 'a Lambda function ARN is arn:aws:lambda:<region>:<account>:function:<name>, optionally followed by :$LATEST, :<version number> or :<alias>';
  if (known(parts[5]) && parts[5] !== 'function') return `"${resource}" is not a Lambda function ARN: ${shape}`;
  if (parts.length > 8) return `"${resource}" has ${parts.length - 8} part(s) too many after the function name: ${shape}`;
  const name = parts[6];
  if (name === undefined || name === '') return `"${resource}" has no function name: ${shape}`;
  if (known(name) && !FUNCTION_NAME.test(name)) {
    return `the function name "${name}" in "${resource}" is not valid: a Lambda function name has 1 to 64 letters, digits, hyphens or underscores`;
  }
  const qualifier = parts[7];
  if (qualifier === '') return `"${resource}" ends with ":" but no version or alias: remove the last ":" or add :$LATEST, a version number or an alias name`;
  if (known(qualifier) && !QUALIFIER.test(qualifier!)) {
    return `the qualifier "${qualifier}" in "${resource}" is not valid: use $LATEST, a version number, or an alias name (letters, digits, hyphens or underscores)`;
  }
  return undefined;
}

/** A finding about "Credentials": where, and what to say. */
export interface CredentialsProblem {
  rule: 'asl/credentials' | 'asl/field-type' | 'asl/query-language';
  offset: number;
  message: string;
}

/**
 * "Credentials" holds the role to assume: `{"RoleArn": "arn:aws:iam::...:role/..."}`, or under JSONPath
 * `{"RoleArn.$": <path or intrinsic>}` (checked as a payload template by the caller). Under JSONata the role may be
 * a `{% %}` expression.
 */
export function checkCredentials(name: string, field: Field, language: QueryLanguage): CredentialsProblem[] {
  const value = field.value;
  if (!value || isPlaceholder(value.value)) return [];
  if (!isObject(value)) {
    if (language === 'JSONata' && value.type === 'string' && isJsonataString(value.value as string)) return [];
    return [{ rule: 'asl/field-type', offset: value.offset, message: `"Credentials" of Task state "${name}" must be an object with the role to assume, e.g. {"RoleArn": "arn:aws:iam::123456789012:role/MyRole"}, not ${describeType(value)}.` }];
  }
  const problems: CredentialsProblem[] = [];
  const roles: Field[] = [];
  for (const entry of fieldsOf(value)) {
    if (entry.name === 'RoleArn' || (entry.name === 'RoleArn.$' && language === 'JSONPath')) {
      roles.push(entry);
    } else if (entry.name === 'RoleArn.$') {
      problems.push({ rule: 'asl/query-language', offset: entry.key.offset, message: `"RoleArn.$" is JSONPath but state "${name}" uses JSONata: write "RoleArn": "{% ... %}" instead.` });
      roles.push(entry);
    } else {
      problems.push({ rule: 'asl/credentials', offset: entry.key.offset, message: `Unknown field "${entry.name}" in "Credentials" of state "${name}": it only takes "RoleArn"${language === 'JSONPath' ? ' (or "RoleArn.$")' : ''}. Remove it.` });
    }
  }
  // Both "RoleArn" and "RoleArn.$" are reported as a payload duplicate (asl/payload-duplicate).
  if (roles.length === 0) {
    problems.push({ rule: 'asl/credentials', offset: value.offset, message: `"Credentials" of state "${name}" has no "RoleArn": add the ARN of the IAM role to assume${language === 'JSONPath' ? ', or "RoleArn.$" with a path to it' : ''}.` });
  }
  for (const role of roles) {
    if (role.name === 'RoleArn' && role.value) problems.push(...roleArnProblems(name, role.value, language));
  }
  return problems;
}

function roleArnProblems(name: string, value: Node, language: QueryLanguage): CredentialsProblem[] {
  if (value.type === 'string') {
    const text = value.value as string;
    if (text.startsWith('arn:') || text.includes('${') || (language === 'JSONata' && isJsonataString(text))) return [];
    const hint = text.startsWith('$') && language === 'JSONPath' ? ` To take it from the input, name the field "RoleArn.$".` : '';
    return [{ rule: 'asl/credentials', offset: value.offset, message: `"RoleArn" of state "${name}" is "${text}", which is not an IAM role ARN (arn:aws:iam::<account>:role/<name>).${hint}` }];
  }
  return [{ rule: 'asl/field-type', offset: value.offset, message: `"RoleArn" of state "${name}" must be an IAM role ARN string, not ${describeType(value)}.` }];
}
