import { isDeepStrictEqual } from 'node:util';

export const DIFF_LIMIT = 30;

/** Differences between two JSON values as `- path: old` / `+ path: new` lines, at most DIFF_LIMIT (then a count). */
export function jsonDiff(before: unknown, after: unknown): string[] {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (isDeepStrictEqual(a, b)) return;
    const bothObjects = isObject(a) && isObject(b);
    const bothArrays = Array.isArray(a) && Array.isArray(b);
    if (bothObjects) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
      for (const key of keys) walk(a[key], b[key], `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`);
      return;
    }
    if (bothArrays && a.length === b.length) {
      a.forEach((item, index) => walk(item, b[index], `${path}[${index}]`));
      return;
    }
    if (a !== undefined) lines.push(`- ${path || '$'}: ${short(a)}`);
    if (b !== undefined) lines.push(`+ ${path || '$'}: ${short(b)}`);
  };
  walk(before, after, '');
  if (lines.length <= DIFF_LIMIT) return lines;
  return [...lines.slice(0, DIFF_LIMIT), `… and ${lines.length - DIFF_LIMIT} more line(s)`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
