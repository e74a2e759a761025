/**
 * Mermaid text from foreign text: a state name, a notebook path or a rule becomes a label that can only be read,
 * never parsed. Every character that Mermaid's flowchart grammar or its HTML labels give a meaning to is written as
 * an entity code (`#34;` for `"`), so no name can close its quote, its node, an edge label or the diagram.
 */

/** Characters kept as they are: letters, digits and punctuation with no meaning in a quoted Mermaid label. */
const PLAIN = /^[A-Za-z0-9 _.,:/+=!?@*'-]$/u;

/** Invisible or direction-changing characters: shown as codes, so that a label reads as it is. */
const INVISIBLE = /^[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]$/u;

/** Control characters, line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu;

/**
 * A label's text, safe inside `"…"`: controls and line breaks become spaces, the text is clipped to `max`
 * characters, and every other character with a meaning becomes a decimal entity code. Letters of any script and
 * emoji stay as they are.
 */
export function labelText(text: string, max = 60): string {
  const characters = Array.from(text.replace(CONTROL, ' '));
  const clipped = characters.length > max ? [...characters.slice(0, max - 1), '…'] : characters;
  const label = clipped
    .map((character) => {
      const code = character.codePointAt(0) ?? 0;
      if (PLAIN.test(character) || (code > 0x7f && !INVISIBLE.test(character))) return character;
      return `#${code};`;
    })
    .join('');
  // Mermaid refuses an empty label (`[""]`): a state named "" is drawn blank.
  return label === '' ? ' ' : label;
}

/** Line breaks between the parts of a label (each part already escaped). */
export function lines(...parts: Array<string | undefined>): string {
  return parts.filter((part): part is string => part !== undefined && part !== '').join('<br>');
}

export type Shape = 'box' | 'choice' | 'terminal' | 'folded' | 'start';

/** A node: its identifier (the drawing's own, never a name) and its escaped label in the shape's brackets. */
export function node(id: string, label: string, shape: Shape): string {
  switch (shape) {
    case 'choice':
      return `${id}{"${label}"}`;
    case 'terminal':
    case 'start':
      return `${id}(["${label}"])`;
    case 'folded':
      return `${id}[["${label}"]]`;
    default:
      return `${id}["${label}"]`;
  }
}

/** An edge, solid or dashed, with an escaped label when it has one. */
export function edge(from: string, to: string, label?: string, dashed = false): string {
  const arrow = dashed ? '-.->' : '-->';
  return label === undefined || label === '' ? `${from} ${arrow} ${to}` : `${from} ${arrow}|"${label}"| ${to}`;
}
