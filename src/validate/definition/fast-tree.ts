/**
 * Builds a jsonc-parser-compatible tree (type, offset, length, children, value) for a text that `JSON.parse` has
 * already accepted, in one forward scan. jsonc-parser stays the authority for broken text and its error positions.
 * Kept for speed on large definitions: figures in bench/README.md (`npx node bench/validate-definition.ts`);
 * __tests__/unit/definition/json.test.ts checks it builds jsonc-parser's tree.
 */
import type { Node } from 'jsonc-parser';

interface MutableNode {
  type: Node['type'];
  offset: number;
  length: number;
  value?: unknown;
  children?: MutableNode[];
  colonOffset?: number;
}

export function treeOfValidJson(text: string): Node {
  let index = 0;
  /** Position of the next backslash at or after the current string (one forward search overall, not one per string). */
  let nextBackslash = text.indexOf('\\');

  const skipSpace = () => {
    for (;;) {
      const code = text.charCodeAt(index);
      if (code === 32 || code === 10 || code === 13 || code === 9) index++;
      else return;
    }
  };

  const parseString = (): MutableNode => {
    const start = index;
    let end = text.indexOf('"', start + 1);
    for (;;) {
      let backslashes = 0;
      while (text.charCodeAt(end - 1 - backslashes) === 92) backslashes++;
      if (backslashes % 2 === 0) break;
      end = text.indexOf('"', end + 1);
    }
    index = end + 1;
    if (nextBackslash !== -1 && nextBackslash < start) nextBackslash = text.indexOf('\\', start);
    const value = nextBackslash !== -1 && nextBackslash < end ? (JSON.parse(text.slice(start, index)) as string) : text.slice(start + 1, end);
    return { type: 'string', offset: start, length: index - start, value };
  };

  const parseValue = (): MutableNode => {
    skipSpace();
    const start = index;
    const code = text.charCodeAt(index);
    if (code === 34) return parseString();
    if (code === 123 /* { */) {
      index++;
      const children: MutableNode[] = [];
      skipSpace();
      if (text.charCodeAt(index) === 125) {
        index++;
      } else {
        for (;;) {
          skipSpace();
          const key = parseString();
          skipSpace();
          const colonOffset = index;
          index++; // ':'
          const value = parseValue();
          children.push({ type: 'property', offset: key.offset, length: value.offset + value.length - key.offset, children: [key, value], colonOffset });
          skipSpace();
          if (text.charCodeAt(index++) === 125) break; // '}' else ','
        }
      }
      return { type: 'object', offset: start, length: index - start, children };
    }
    if (code === 91 /* [ */) {
      index++;
      const children: MutableNode[] = [];
      skipSpace();
      if (text.charCodeAt(index) === 93) {
        index++;
      } else {
        for (;;) {
          children.push(parseValue());
          skipSpace();
          if (text.charCodeAt(index++) === 93) break;
        }
      }
      return { type: 'array', offset: start, length: index - start, children };
    }
    if (code === 116 /* true */) {
      index += 4;
      return { type: 'boolean', offset: start, length: 4, value: true };
    }
    if (code === 102 /* false */) {
      index += 5;
      return { type: 'boolean', offset: start, length: 5, value: false };
    }
    if (code === 110 /* null */) {
      index += 4;
      return { type: 'null', offset: start, length: 4, value: null };
    }
    while (index < text.length) {
      const digit = text.charCodeAt(index);
      // digits, '-', '+', '.', 'e', 'E'
      if ((digit >= 48 && digit <= 57) || digit === 45 || digit === 43 || digit === 46 || digit === 101 || digit === 69) index++;
      else break;
    }
    return { type: 'number', offset: start, length: index - start, value: Number(text.slice(start, index)) };
  };

  return parseValue() as Node;
}

/** True when the text is strict JSON (what Step Functions parses). */
export function isStrictJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
