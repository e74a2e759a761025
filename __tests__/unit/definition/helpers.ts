import type { Finding } from '../../../src/ground/findings.ts';
import { BUILTIN_SUBSTITUTIONS, type DefinitionContext, validateDefinition } from '../../../src/validate/definition/index.ts';

export const FILE = '/models/quetzal-test/step-functions.json';

export function validate(text: string, context: Partial<DefinitionContext> = {}): Finding[] {
  return validateDefinition(text, {
    file: FILE,
    modelFolder: '/models/quetzal-test',
    substitutions: new Set(BUILTIN_SUBSTITUTIONS),
    ...context,
  });
}

/** 1-based line and column of the `occurrence`-th (1-based) appearance of `needle` in `text`. */
export function at(text: string, needle: string, occurrence = 1): { line: number; column: number } {
  let index = -1;
  for (let seen = 0; seen < occurrence; seen++) {
    index = text.indexOf(needle, index + 1);
    if (index === -1) throw new Error(`"${needle}" (occurrence ${occurrence}) not in the test text`);
  }
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** The findings reduced to `rule@line:column`, for exact comparisons. */
export function where(findings: readonly Finding[], severity?: Finding['severity']): string[] {
  return findings.filter((f) => !severity || f.severity === severity).map((f) => `${f.rule}@${f.line}:${f.column}`);
}

export function ruleAt(rule: string, text: string, needle: string, occurrence = 1): string {
  const position = at(text, needle, occurrence);
  return `${rule}@${position.line}:${position.column}`;
}

/** A minimal valid machine around the given states (JSON text of the "States" object members). */
export function machine(states: string, startAt = 'First', extra = ''): string {
  return `{\n  ${extra}"StartAt": "${startAt}",\n  "States": {\n${states}\n  }\n}\n`;
}
