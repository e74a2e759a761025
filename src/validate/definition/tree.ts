import type { Node } from 'jsonc-parser';

/** One `"key": value` pair of a parsed JSON object. */
export interface Field {
  name: string;
  key: Node;
  /** Missing only when the text was broken right after the colon. */
  value: Node | undefined;
}

/** The fields of an object node, in document order (duplicates included). */
export function fieldsOf(node: Node): Field[] {
  const fields: Field[] = [];
  for (const property of node.children ?? []) {
    const key = property.children?.[0];
    if (!key) continue;
    fields.push({ name: String(key.value), key, value: property.children?.[1] });
  }
  return fields;
}

/** The fields of an object by name; with duplicated keys the last wins, as in JSON.parse. */
export function fieldMap(node: Node): Map<string, Field> {
  const map = new Map<string, Field>();
  for (const field of fieldsOf(node)) map.set(field.name, field);
  return map;
}

export function isObject(node: Node | undefined): node is Node & { readonly type: 'object' } {
  return node?.type === 'object';
}

export function isArray(node: Node | undefined): node is Node & { readonly type: 'array' } {
  return node?.type === 'array';
}

export function stringValue(node: Node | undefined): string | undefined {
  return node?.type === 'string' ? (node.value as string) : undefined;
}

export function describeType(node: Node): string {
  switch (node.type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return `the string ${JSON.stringify(node.value)}`;
    case 'number':
      return `the number ${String(node.value)}`;
    case 'boolean':
      return String(node.value);
    default:
      return 'null';
  }
}
