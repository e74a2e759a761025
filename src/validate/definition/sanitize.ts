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
const KEY = /"((?:[^"\\\n]|\\.)*)"\s*:/g;

/** What the user should change on a `# TO EDIT` line, read from the last key found before the comment. */
function whatToEdit(lineBeforeComment: string): string {
  let key: string | undefined;
  let afterColon = '';
  for (const match of lineBeforeComment.matchAll(KEY)) {
    key = match[1];
    afterColon = lineBeforeComment.slice(match.index + match[0].length).trim();
  }
  if (key === undefined) return 'edit this line for your model';
  if (afterColon.startsWith('{')) {
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
          `Template marker "${comment}" is still here: ${whatToEdit(text.slice(lineStart, index))}, then remove the comment (JSON has no comments).`,
        );
      } else {
        report.error('json/comment', index, `"#" comments are not JSON and AWS rejects them: remove "${comment}".`);
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
