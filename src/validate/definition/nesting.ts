/**
 * Nesting limits. The parsers and checkers of a definition are recursive (one stack frame or more per level), so a
 * pull request nesting 100,000 arrays, or 45,000 intrinsic calls, would exhaust the stack. Each nesting is counted
 * by a linear scan first, and past its limit the check stops with a positioned finding.
 *
 * The limits are generous: a Quetzal step nests 6 levels of JSON (States, the state, Parameters, Payload, Retry and
 * its ErrorEquals), a machine with Parallel states inside Map states inside Parallel states some 20; intrinsic
 * functions and JSONata expressions nest a few calls. 256 levels leave room for any real definition and stay well
 * below what node's default stack holds (some 5,000 levels of jsonc-parser, 2,000 of the jsonata parser).
 */

/** Deepest nesting of arrays and objects a definition may have. */
export const MAX_JSON_DEPTH = 256;
/** Deepest nesting of intrinsic function calls in one value (`States.Format(States.Array(...))`). */
export const MAX_INTRINSIC_DEPTH = 256;
/** Deepest nesting of ( [ { in one JSONata expression. */
export const MAX_JSONATA_DEPTH = 256;

/**
 * Offset of the first `[` or `{` that opens level `limit + 1`, outside strings, or -1 when the text nests no deeper
 * than `limit`. Strings end at their closing quote or at a line break (as jsonc-parser reads broken text).
 */
export function firstTooDeep(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code === 34 /* " */) {
      for (index++; index < length; index++) {
        const inner = text.charCodeAt(index);
        if (inner === 92 /* \ */) index++;
        else if (inner === 34 || inner === 10 || inner === 13) break;
      }
    } else if (code === 91 /* [ */ || code === 123 /* { */) {
      depth++;
      if (depth > limit) return index;
    } else if (code === 93 /* ] */ || code === 125 /* } */) {
      if (depth > 0) depth--;
    }
  }
  return -1;
}

/**
 * Index of the first `(`, `[` or `{` of a JSONata expression that opens level `limit + 1`, or -1. Skips the
 * expression's strings ('...' and "..." with escapes), `names` in back quotes and comments.
 */
export function firstTooDeepJsonata(expression: string, limit = MAX_JSONATA_DEPTH): number {
  let depth = 0;
  const length = expression.length;
  for (let index = 0; index < length; index++) {
    const code = expression.charCodeAt(index);
    if (code === 34 || code === 39 /* ' */) {
      for (index++; index < length; index++) {
        const inner = expression.charCodeAt(index);
        if (inner === 92) index++;
        else if (inner === code) break;
      }
    } else if (code === 96 /* ` */) {
      const end = expression.indexOf('`', index + 1);
      index = end === -1 ? length : end;
    } else if (code === 47 /* / */ && expression.charCodeAt(index + 1) === 42 /* * */) {
      const end = expression.indexOf('*/', index + 2);
      index = end === -1 ? length : end + 1;
    } else if (code === 40 /* ( */ || code === 91 || code === 123) {
      depth++;
      if (depth > limit) return index;
    } else if (code === 41 /* ) */ || code === 93 || code === 125) {
      if (depth > 0) depth--;
    }
  }
  return -1;
}
