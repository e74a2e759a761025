import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { type Finding, sortFindings } from '../../ground/findings.ts';
import { AslChecker } from './asl.ts';
import { isStrictJson, treeOfValidJson } from './fast-tree.ts';
import { QuetzalChecker, checkHardCodedArn } from './quetzal.ts';
import { LineIndex, Report } from './report.ts';
import { MAX_JSON_DEPTH, firstTooDeep } from './nesting.ts';
import { type SanitizedText, sanitizeTemplate } from './sanitize.ts';
import { findPlaceholders, findUnterminatedPlaceholder } from './substitutions.ts';
import { fieldsOf } from './tree.ts';

export { BUILTIN_SUBSTITUTIONS, substituteDefinition } from './substitutions.ts';
export { preloadJsonata } from './jsonata.ts';

export interface DefinitionContext {
  /** Absolute path of the definition; every Finding.file is this. */
  file: string;
  /** Absolute; notebook paths are resolved relative to it. */
  modelFolder: string;
  /** The model's Lambda function name (for the FunctionName warning). */
  lambdaFunctionName?: string;
  /** Placeholder names that will be filled: built-ins + user ones. */
  substitutions: ReadonlySet<string>;
}

/** Step Functions refuses definitions larger than this (bytes of UTF-8). */
export const MAX_DEFINITION_BYTES = 1024 * 1024;

const SYNTAX_HINTS: Record<string, string> = {
  InvalidSymbol: 'this is not JSON: quote text values with double quotes, or remove the character',
  InvalidNumberFormat: 'this is not a valid JSON number',
  PropertyNameExpected: 'a property name in double quotes is expected (is there a trailing comma before "}"? remove it)',
  ValueExpected: 'a value is expected (is there a trailing comma before "]" or "}", or a missing value?)',
  ColonExpected: 'a ":" is expected after the property name',
  CommaExpected: 'a "," is expected between two properties or values',
  CloseBraceExpected: 'a "}" is expected: an object is not closed',
  CloseBracketExpected: 'a "]" is expected: an array is not closed',
  EndOfFileExpected: 'there is text after the end of the JSON document: remove it',
  UnexpectedEndOfComment: 'a comment is not closed',
  UnexpectedEndOfString: 'a string is not closed: add the closing double quote on the same line',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'invalid \\u escape in a string',
  InvalidEscapeCharacter: 'invalid escape in a string: write a backslash as \\\\',
  InvalidCharacter: 'a control character (tab, newline) inside a string: escape it as \\t or \\n',
};

function reportSyntaxError(report: Report, text: string, error: ParseError): void {
  const code = printParseErrorCode(error.error);
  const snippet = text.slice(error.offset, error.offset + Math.min(error.length, 40)).trim();
  const hint = SYNTAX_HINTS[code] ?? code;
  report.error('json/syntax', error.offset, `Invalid JSON${snippet ? ` at "${snippet}"` : ''}: ${hint}.`);
}

/** One pass over every node: duplicate keys, `${Name}` placeholders, `<model_name>` in strings, literal ARNs. */
function checkValues(root: Node, text: string, report: Report, context: DefinitionContext, toEditLines: ReadonlySet<number>): void {
  const visit = (node: Node, parentKey: string | undefined) => {
    switch (node.type) {
      case 'object': {
        const seen = new Set<string>();
        for (const field of fieldsOf(node)) {
          if (seen.has(field.name) && parentKey !== 'States') {
            report.warning('json/duplicate-key', field.key.offset, `Key "${field.name}" appears twice in the same object: JSON keeps only the last one. Remove the duplicate.`);
          }
          seen.add(field.name);
          if (field.value) visit(field.value, field.name);
        }
        return;
      }
      case 'array':
        for (const child of node.children ?? []) visit(child, parentKey);
        return;
      case 'string': {
        const value = node.value as string;
        if (value.includes('${')) {
          const raw = text.slice(node.offset, node.offset + node.length);
          for (const use of findPlaceholders(raw)) {
            if (!context.substitutions.has(use.name)) {
              report.warning('substitution/unknown', node.offset + use.index, `Placeholder "\${${use.name}}" is not a known substitution: give it in the "definition-substitutions" input (${use.name}=value), or it will be left as is in the deployed definition.`);
            }
          }
          const unterminated = findUnterminatedPlaceholder(raw);
          if (unterminated !== -1) {
            const start = raw.slice(unterminated, unterminated + 30).replace(/["\\].*$/, '');
            report.error('asl/unterminated-placeholder', node.offset + unterminated, `Placeholder "${start}" is never closed: a substitution is written "\${Name}" (letters, digits, _ : . -) and ends with "}", so this one would reach Step Functions as written. Add the closing "}".`);
          }
        }
        if (value.includes('<model_name>') && !toEditLines.has(report.lineOf(node.offset))) {
          report.error('template/placeholder', node.offset + 1 + value.indexOf('<model_name>'), 'Template placeholder <model_name> is still in this string: replace it with the model name (or use a "${ModelName}" / "${LambdaFunctionArn}" substitution).');
        }
        checkHardCodedArn(report, node, value);
        return;
      }
      default:
        return;
    }
  };
  visit(root, undefined);
}

/**
 * Validates a Step Functions definition offline: JSON syntax (every problem, positioned), the model template's
 * leftovers, Amazon States Language as AWS enforces it, `${Name}` substitutions and Quetzal conventions.
 */
export function validateDefinition(text: string, context: DefinitionContext): Finding[] {
  const report = new Report(context.file, new LineIndex(text));
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DEFINITION_BYTES) {
    // Past the limit AWS refuses the definition whatever it holds: reading it further would only cost time.
    report.error('asl/size', 0, `The definition is ${bytes} bytes; Step Functions accepts at most ${MAX_DEFINITION_BYTES} bytes (1 MB). Split it (e.g. into nested state machines) or shorten it.`);
    return report.findings;
  }
  // Strict JSON (the usual case) has no comment nor bare placeholder: no need to sanitize, and a fast tree will do.
  // (JSON.parse is not recursive: any nesting is safe here.)
  const strict = isStrictJson(text);
  const sanitized = strict ? { text, toEditLines: new Set<number>(), changed: false } : sanitizeTemplate(text, report);
  // The tree builders and the checkers recurse once per level: stop before a nesting that would exhaust the stack.
  const tooDeep = firstTooDeep(sanitized.text);
  if (tooDeep !== -1) {
    const bracket = sanitized.text[tooDeep];
    report.error('json/too-deep', tooDeep, `This "${bracket}" opens level ${MAX_JSON_DEPTH + 1} of arrays and objects nested in each other: the action checks definitions nested at most ${MAX_JSON_DEPTH} deep (real definitions nest some 20 at most), so it checked nothing else. Flatten the value.`);
    return sortFindings(report.findings);
  }
  try {
    checkTree(sanitized, strict, report, context);
  } catch (error) {
    // A last safety net: a hostile shape the limits above did not foresee becomes one finding, not a crash.
    if (!(error instanceof RangeError)) throw error;
    const start = sanitized.text.search(/\S/);
    report.error('definition/too-complex', Math.max(start, 0), `The action could not finish checking this definition (${error.message}): simplify it (fewer nested or repeated values), then validate again.`);
  }
  return sortFindings(report.findings);
}

function checkTree(sanitized: SanitizedText, strict: boolean, report: Report, context: DefinitionContext): void {
  const errors: ParseError[] = [];
  const root = strict
    ? treeOfValidJson(sanitized.text)
    : parseTree(sanitized.text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  // jsonc-parser may report two errors for one mistake (e.g. "," expected, then a property name expected):
  // one error per line is enough to point at it.
  let lastLine = 0;
  for (const error of errors) {
    const line = report.lineOf(error.offset);
    if (line !== lastLine) reportSyntaxError(report, sanitized.text, error);
    lastLine = line;
  }
  if (!root) {
    if (errors.length === 0) report.error('json/syntax', 0, 'The definition is empty: write a JSON object with "StartAt" and "States".');
    return;
  }
  checkValues(root, sanitized.text, report, context, sanitized.toEditLines);
  // The state machine is only checked when the JSON could be read whole: a partial tree would give false errors.
  if (errors.length === 0) {
    const quetzal = new QuetzalChecker(report, context);
    new AslChecker(report, (state) => quetzal.checkState(state)).check(root);
  }
}
