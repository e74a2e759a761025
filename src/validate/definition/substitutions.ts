/**
 * `${Name}` placeholders (SAM `DefinitionSubstitutions`, terraform `templatefile`) in a definition.
 * A name is letters, digits and `_ : . -` (so `${AWS::Region}` and `${bucket.arn}` are names too).
 */
export const BUILTIN_SUBSTITUTIONS: readonly string[] = [
  'AccountId',
  'Region',
  'ModelName',
  'LambdaFunctionArn',
  'BucketName',
];

const PLACEHOLDER = /\$\{([A-Za-z0-9_:.-]+)\}/g;
const WHOLE_PLACEHOLDER = /^\$\{[A-Za-z0-9_:.-]+\}$/;

/** True when a JSON value is a placeholder string as a whole: it stands for a value of any type. */
export function isPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && value.length > 3 && value.charCodeAt(0) === 36 && WHOLE_PLACEHOLDER.test(value);
}

export interface PlaceholderUse {
  name: string;
  /** Index of `$` in the scanned text. */
  index: number;
}

/** Every placeholder in `text`, in order. */
export function findPlaceholders(text: string): PlaceholderUse[] {
  const uses: PlaceholderUse[] = [];
  if (!text.includes('${')) return uses;
  for (const match of text.matchAll(PLACEHOLDER)) uses.push({ name: match[1], index: match.index });
  return uses;
}

/**
 * Index of the first `${` that no `}` closes before the next `${` or the end of `text`, or -1. Such a placeholder
 * is never filled (a name must end with `}`): it would reach Step Functions as written. `$${` is terraform's escape
 * for a literal `${` and opens nothing. One pass, no backtracking.
 */
export function findUnterminatedPlaceholder(text: string): number {
  let open = -1;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 125 /* } */) {
      open = -1;
    } else if (code === 36 /* $ */ && text.charCodeAt(index + 1) === 123 /* { */) {
      if (open !== -1) return open;
      if (index === 0 || text.charCodeAt(index - 1) !== 36) open = index;
      index++;
    }
  }
  return open;
}

function escapeForJsonString(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * Fills `${Name}` placeholders with `values`. Inside a JSON string the value is escaped as JSON string content;
 * outside a string (terraform style `"MaxAttempts": ${n}`) it is inserted as is. Names without a value are left in
 * place and listed in `missing` (each once, in order of first appearance).
 */
export function substituteDefinition(
  text: string,
  values: Readonly<Record<string, string>>,
): { text: string; missing: string[] } {
  const missing: string[] = [];
  if (!text.includes('${')) return { text, missing };
  const parts: string[] = [];
  let copiedUpTo = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 92 /* \ */) {
        index++;
        continue;
      }
      if (code === 34 /* " */ || code === 10 /* newline ends a broken string */) {
        inString = false;
        continue;
      }
    } else if (code === 34) {
      inString = true;
      continue;
    }
    if (code !== 36 /* $ */ || text.charCodeAt(index + 1) !== 123 /* { */) continue;
    PLACEHOLDER.lastIndex = index;
    const match = PLACEHOLDER.exec(text);
    if (!match || match.index !== index) continue;
    const name = match[1];
    const end = index + match[0].length;
    if (Object.hasOwn(values, name)) {
      parts.push(text.slice(copiedUpTo, index), inString ? escapeForJsonString(values[name]) : values[name]);
      copiedUpTo = end;
    } else if (!missing.includes(name)) {
      missing.push(name);
    }
    index = end - 1;
  }
  PLACEHOLDER.lastIndex = 0;
  parts.push(text.slice(copiedUpTo));
  return { text: parts.join(''), missing };
}
