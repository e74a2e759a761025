import type { Report } from './report.ts';

/**
 * The model template is not JSON until edited: it carries `# TO EDIT` comments and bare `<model_name>`
 * placeholders. Those would make the JSON parser report a cascade of generic errors, so this pass finds them
 * first, reports ONE clear error for each, and hands the parser a text where they are neutralised at the same
 * offsets (comments blanked, `<name>` turned into the string `"name"` of the same length). `//` and `/* *\/`
 * comments are reported and blanked the same way: AWS rejects any comment.
 */
export interface SanitizedText {
  text: string;
  /** Lines (1-based) that carry a `# TO EDIT` marker: other template findings on them are merged into it. */
  toEditLines: Set<number>;
  /** True when something was neutralised: the file is not valid JSON as written. */
  changed: boolean;
}

const BARE_PLACEHOLDER = /<([A-Za-z_][A-Za-z0-9_.-]*)>/y;
const TO_EDIT = /^#+\s*TO\s*EDIT\b/i;

/**
 * The last `"key":` of a line and whether its value opens an object, in one walk over the line: strings are
 * skipped with their escapes, and a string followed by optional white space and ":" is a key. (A regular
 * expression retried from every quote was quadratic on a long line of escaped quotes.)
 */
function lastKey(line: string): { key: string; opensObject: boolean } | undefined {
  let found: { key: string; valueAt: number } | undefined;
  const length = line.length;
  let index = 0;
  while (index < length) {
    if (line.charCodeAt(index) !== 34 /* " */) {
      index++;
      continue;
    }
    const start = index + 1;
    let end = -1;
    for (index = start; index < length; index++) {
      const code = line.charCodeAt(index);
      if (code === 92 /* \ */) index++;
      else if (code === 34) {
        end = index;
        break;
      }
    }
    if (end === -1) break; // an unclosed string runs to the end of the line
    index = end + 1;
    let after = index;
    while (after < length && isSpace(line.charCodeAt(after))) after++;
    if (line.charCodeAt(after) === 58 /* : */) {
      found = { key: line.slice(start, end), valueAt: after + 1 };
      index = after + 1;
    }
  }
  if (!found) return undefined;
  let value = found.valueAt;
  while (value < length && isSpace(line.charCodeAt(value))) value++;
  return { key: found.key, opensObject: line.charCodeAt(value) === 123 /* { */ };
}

/** JavaScript's white space (what `\s` and `trim()` skip). */
function isSpace(code: number): boolean {
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** A comment as quoted in a message: long ones are cut (the finding points at it anyway). */
function quoted(comment: string): string {
  return comment.length > 80 ? `${comment.slice(0, 77)}...` : comment;
}

/** What the user should change on a `# TO EDIT` line, read from the last key found before the comment. */
function whatToEdit(lineBeforeComment: string): string {
  const last = lastKey(lineBeforeComment);
  if (last === undefined) return 'edit this line for your model';
  const key = last.key;
  if (last.opensObject) {
    return `rename the state "${key}" to the name of your step (and every "Next" that points to it)`;
  }
  switch (key) {
    case 'Next':
      return 'set "Next" to the name of the state that follows (or use "End": true on the last step)';
    case 'notebook_path':
      return 'set "notebook_path" to the notebook this step runs, relative to the model folder';
    case 'FunctionName':
      return 'set "FunctionName" to your model\'s Lambda function (replace <model_name>; "${LambdaFunctionArn}" is filled in at deploy)';
    case 'model':
      return 'set "model" to the model name as a quoted string (e.g. "${ModelName}")';
    default:
      return `edit the value of "${key}" for your model`;
  }
}

function placeholderMessage(name: string): string {
  if (name === 'model_name') {
    return 'Bare <model_name> placeholder: JSON needs a value here. Replace it with the model name as a quoted string, e.g. "${ModelName}" (filled in at deploy) or "quetzal-mymodel".';
  }
  return `Bare <${name}> placeholder: JSON needs a value here. Replace it with the real value, as a quoted string if it is text.`;
}

export function sanitizeTemplate(text: string, report: Report): SanitizedText {
  const toEditLines = new Set<number>();
  let chars: string[] | undefined; // copy-on-write: most definitions need no change
  const blank = (from: number, to: number) => {
    chars ??= Array.from({ length: text.length }, (_, i) => text[i]);
    for (let i = from; i < to; i++) if (chars[i] !== '\n' && chars[i] !== '\r') chars[i] = ' ';
  };
  const length = text.length;
  let index = 0;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code === 34 /* " */) {
      // Skip a string; a raw newline ends a broken string so that the rest of the file is still scanned.
      index++;
      while (index < length) {
        const inner = text.charCodeAt(index);
        if (inner === 92) index += 2;
        else if (inner === 34) {
          index++;
          break;
        } else if (inner === 10) break;
        else index++;
      }
      continue;
    }
    if (code === 35 /* # */) {
      let end = text.indexOf('\n', index);
      if (end === -1) end = length;
      const comment = text.slice(index, end).trimEnd();
      if (TO_EDIT.test(comment)) {
        const lineStart = text.lastIndexOf('\n', index - 1) + 1;
        toEditLines.add(report.lineOf(index));
        report.error(
          'template/to-edit',
          index,
          `Template marker "${quoted(comment)}" is still here: ${whatToEdit(text.slice(lineStart, index))}, then remove the comment (JSON has no comments).`,
        );
      } else {
        report.error('json/comment', index, `"#" comments are not JSON and AWS rejects them: remove "${quoted(comment)}".`);
      }
      blank(index, end);
      index = end;
      continue;
    }
    if (code === 47 /* / */ && (text.charCodeAt(index + 1) === 47 || text.charCodeAt(index + 1) === 42)) {
      const block = text.charCodeAt(index + 1) === 42;
      let end: number;
      if (block) {
        const close = text.indexOf('*/', index + 2);
        end = close === -1 ? length : close + 2;
      } else {
        end = text.indexOf('\n', index);
        if (end === -1) end = length;
      }
      report.error(
        'json/comment',
        index,
        `${block ? '"/* */"' : '"//"'} comments are not JSON and Step Functions rejects the definition: remove the comment (use a "Comment" field to document a state).`,
      );
      blank(index, end);
      index = end;
      continue;
    }
    if (code === 60 /* < */) {
      BARE_PLACEHOLDER.lastIndex = index;
      const match = BARE_PLACEHOLDER.exec(text);
      if (match) {
        report.error('template/placeholder', index, placeholderMessage(match[1]));
        chars ??= Array.from({ length: text.length }, (_, i) => text[i]);
        const end = index + match[0].length;
        chars[index] = '"';
        chars[end - 1] = '"';
        index = end;
        continue;
      }
    }
    index++;
  }
  return { text: chars ? chars.join('') : text, toEditLines, changed: chars !== undefined };
}
