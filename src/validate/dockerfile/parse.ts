/**
 * A Dockerfile read as Docker's parser reads it (moby/buildkit frontend/dockerfile/parser): parser directives
 * (`# escape=`), comment lines, line continuations with the escape character, here-documents (`<<EOF` … `EOF`),
 * one instruction per logical line with its keyword in any case. Only what the checks need: the keyword, its
 * arguments as text, and the line it starts on.
 */

export interface Instruction {
  /** Upper case: `FROM`, `ARG`, `RUN`, `COPY`, ... */
  keyword: string;
  /** The arguments, continuation lines joined by a space, here-document bodies left out. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC = /<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split(/\r\n|\r|\n/);
  let escape = '\\';
  let index = 0;
  // Parser directives: only at the very top, before any comment, blank line or instruction.
  for (; index < lines.length; index += 1) {
    const directive = DIRECTIVE.exec(lines[index]);
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\')) escape = directive[2];
  }
  const instructions: Instruction[] = [];
  while (index < lines.length) {
    const first = lines[index].trim();
    if (first === '' || first.startsWith('#')) {
      index += 1;
      continue;
    }
    const line = index + 1;
    let logical = '';
    // Continuations: a line ending with the escape character goes on; comment lines inside are dropped.
    for (;;) {
      const raw = lines[index].replace(/\s+$/, '');
      index += 1;
      if (raw.endsWith(escape)) {
        logical += `${raw.slice(0, -1)} `;
        while (index < lines.length && /^\s*(#|$)/.test(lines[index])) index += 1;
        if (index < lines.length) continue;
      } else {
        logical += raw;
      }
      break;
    }
    const match = /^\s*(\S+)\s*(.*)$/.exec(logical)!;
    const keyword = match[1].toUpperCase();
    const args = match[2];
    // Here-documents (RUN, COPY, ADD): their bodies follow, each up to its terminator line.
    if (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') {
      for (const heredoc of args.matchAll(HEREDOC)) {
        const strip = heredoc[1] === '-';
        while (index < lines.length) {
          const body = lines[index];
          index += 1;
          if ((strip ? body.replace(/^\t+/, '') : body) === heredoc[3]) break;
        }
      }
    }
    instructions.push({ keyword, args, line });
  }
  return instructions;
}

/** Words as the Dockerfile's shell-like splitting gives them: whitespace-separated, quotes grouping and removed. */
export function splitWords(args: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  for (const char of args) {
    if (quote !== '') {
      if (char === quote) quote = '';
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** `ARG NAME[=default]` and `ENV NAME=value …` / `ENV NAME value`: the names and values, quotes removed. */
export function assignments(keyword: 'ARG' | 'ENV', args: string): Array<{ name: string; value?: string }> {
  const words = splitWords(args);
  if (keyword === 'ENV' && words.length >= 2 && !words[0].includes('=')) return [{ name: words[0], value: words.slice(1).join(' ') }];
  return words.map((word) => {
    const equals = word.indexOf('=');
    return equals < 0 ? { name: word } : { name: word.slice(0, equals), value: word.slice(equals + 1) };
  });
}

/**
 * `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alternative}` filled from `values`; undefined when a name
 * has no value (the check cannot tell what Docker will read).
 */
export function expand(text: string, values: ReadonlyMap<string, string | undefined>): string | undefined {
  let unknown = false;
  const filled = text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_all, braced: string | undefined, operator: string | undefined, word: string | undefined, bare: string | undefined) => {
    const value = values.get((braced ?? bare)!);
    if (operator === '-') return value === undefined || value === '' ? (word ?? '') : value;
    if (operator === '+') return value === undefined || value === '' ? '' : (word ?? '');
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  return unknown ? undefined : filled;
}
