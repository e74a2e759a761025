/**
 * Text that did not come from the action itself — a file name, a bucket key, a JSON key, a lock holder, a tool's
 * output — is printed only through these functions, so that it can neither forge a workflow command on the
 * runner's log stream nor move a terminal's cursor.
 */

// C0 controls but tab, DEL, C1 controls, the Unicode line and paragraph separators, and the bidirectional
// overrides and isolates ("Trojan source"): none of them is text a person reads.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\u001b': '\\e' };

function escapeControl(character: string): string {
  const code = character.charCodeAt(0);
  return NAMED[character] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** Foreign text as one printable line: `a\nb` becomes the four characters `a\nb`; a tab stays a tab. */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeControl);
}

/** At most `limit` characters of `text`, with `…` when it was longer: foreign text in a message stays short. */
export function clip(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

const HAS_CONTROL = new RegExp(CONTROL.source);

/** True when `text` holds a character `printable` would escape. */
export function hasControlCharacter(text: string): boolean {
  return HAS_CONTROL.test(text);
}

/**
 * The runner reads a line as a workflow command when it starts with `::` after leading white space, and as a
 * legacy command wherever `##[` stands in it (actions/runner ActionCommand.TryParseV2 and TryParse). Either is
 * written with its first character escaped, so the line is shown, not obeyed.
 */
function defuseCommand(line: string): string {
  const defused = line.replace(/##\[/g, '#\\x23[');
  return /^\s*::/.test(defused) ? defused.replace('::', '\\x3a:') : defused;
}

/**
 * The lines a message is printed as, by either door: a line feed the message holds starts a new line, every other
 * control character is escaped, and no line can be taken for a workflow command. The action's own line breaks
 * are line feeds; foreign text is made one line with `printable` before it is put in a message.
 */
export function outputLines(message: string): string[] {
  return message.split('\n').map((line) => defuseCommand(line.replace(CONTROL_BUT_NEWLINE, escapeControl)));
}
