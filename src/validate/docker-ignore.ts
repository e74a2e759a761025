import path from 'node:path';

/**
 * `.dockerignore` patterns matched as Docker matches them (github.com/moby/patternmatcher), in time linear in the
 * pattern times the path: no regular expression, no backtracking. A pull request writes the ignore file and names
 * the scenario folders, so a backtracking matcher would let it stall the check for minutes (`*a*a*a*a*a*b` against
 * a long name of "a").
 *
 * Docker's syntax, which is not a shell's nor picomatch's (no braces, no extglobs):
 * - `*` is any run of characters other than `/`, `?` one character other than `/`;
 * - `[...]` a class: characters, ranges `a-z`, `^` first to negate (`!` is a plain character, as in Go), `\`
 *   escaping the next character;
 * - `\c` is the character c;
 * - `**` is any number of folders: `**` then `/x` is x at any depth, `a/**` then `/b` is b anywhere under a; a
 *   trailing `**` is anything at all (`a/**` is everything under a); a leading `**` followed by plain text is any
 *   path ending with that text (`**.pyc`);
 * - anything else stands for itself (`.`, `+`, `(`, `{`, `$`, ... included), except `^` in a pattern with a
 *   wildcard, which Docker leaves in its regular expression as "start of the path" (so `a^*` matches nothing).
 * Where Docker's translation garbles a pattern, this follows Go's filepath.Match, which Docker checks every
 * pattern with: `*` and `?` inside `[...]` stand for themselves, and `\c` is the character c (Go's regexp would
 * read `\d` as a digit).
 * Docker refuses an ignore file with a malformed pattern (a class never closed, a trailing `\`, a reversed range):
 * `compileDockerPattern` reports those instead of matching.
 *
 * Matching simulates the pattern as a nondeterministic automaton over the path's characters, keeping the set of
 * pattern positions reachable so far: each character costs at most one step per position.
 */

/** What a token reads. */
const Kind = {
  /** One given character. */
  Literal: 0,
  /** `?`: one character other than `/`. */
  One: 1,
  /** `[...]`. */
  Class: 2,
  /** `*`: any run of characters other than `/`. */
  Star: 3,
  /** `**` before more pattern: nothing, or any text ending with `/`. */
  Folders: 4,
  /** `**` at the end: any text. */
  Any: 5,
  /** `^` in a pattern Docker turns into a regular expression: the start of the path (reads nothing). */
  Start: 6,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface Token {
  kind: Kind;
  /** Literal: the code point. */
  char?: number;
  /** Class: inclusive code point ranges, and whether the class is negated. */
  ranges?: Array<[number, number]>;
  negated?: boolean;
  /**
   * Folders, Any: whether a line feed matches too (false for the other kinds). Docker compares a prefix or suffix
   * pattern (`a/**`, `**.pyc`) as a string, where it does; other patterns go through Go's regexp, whose `.` stops at
   * a line feed.
   */
  lineFeed: boolean;
}

const SLASH = 47;
const LINE_FEED = 10;

/** Steps the matcher may take for one check; past it, `IgnoreBudgetExceeded` is thrown. */
export interface IgnoreBudget {
  steps: number;
}

export class IgnoreBudgetExceeded extends Error {
  constructor() {
    super('The ignore check took more steps than its budget.');
  }
}

export class InvalidDockerPattern extends Error {
  /** 0-based index, in the pattern, of the character at fault. */
  readonly index: number;
  constructor(message: string, index: number) {
    super(message);
    this.index = index;
  }
}

/** A pattern as Docker compiles it. Throws InvalidDockerPattern when Docker would refuse it. */
export function compileDockerPattern(pattern: string): DockerPattern {
  return new DockerPattern(tokenize(pattern));
}

function tokenize(pattern: string): Token[] {
  const chars = Array.from(pattern, (char) => char.codePointAt(0)!);
  const tokens: Token[] = [];
  // Docker's compile loop: a leading `**` followed only by plain text is a suffix comparison ("suffix"), a pattern
  // of plain text ending with `**` a prefix comparison ("prefix"); the rest goes through a regular expression.
  let type: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  let leadingFolders: Token | undefined;
  let position = 0;
  for (let iteration = 0; position < chars.length; iteration++) {
    const start = position;
    const char = chars[position++];
    if (char === 42 /* * */) {
      if (chars[position] === 42) {
        position++;
        if (chars[position] === SLASH) position++; // `**/` is `**`
        if (position === chars.length) {
          type = type === 'exact' ? 'prefix' : 'regexp';
          tokens.push({ kind: Kind.Any, lineFeed: type === 'prefix' });
        } else {
          tokens.push({ kind: Kind.Folders, lineFeed: false });
          type = 'regexp';
        }
        if (iteration === 0) {
          type = 'suffix';
          leadingFolders = tokens[tokens.length - 1];
        }
      } else {
        tokens.push({ kind: Kind.Star, lineFeed: false });
        type = 'regexp';
      }
    } else if (char === 63 /* ? */) {
      tokens.push({ kind: Kind.One, lineFeed: false });
      type = 'regexp';
    } else if (char === 92 /* \ */) {
      if (position === chars.length) throw new InvalidDockerPattern('a "\\" at the end escapes nothing', start);
      tokens.push({ kind: Kind.Literal, char: chars[position++], lineFeed: false });
      type = 'regexp';
    } else if (char === 91 /* [ */) {
      const parsed = parseClass(chars, position, start);
      tokens.push(parsed.token);
      position = parsed.end;
      type = 'regexp';
    } else if (char === 94 /* ^ */) {
      tokens.push({ kind: Kind.Start, lineFeed: false });
    } else {
      tokens.push({ kind: Kind.Literal, char, lineFeed: false });
      if (char === 93 /* ] */) type = 'regexp';
    }
  }
  // Compared as a string (no wildcard), `^` is a character.
  if (type !== 'regexp') {
    for (const token of tokens) {
      if (token.kind === Kind.Start) Object.assign(token, { kind: Kind.Literal, char: 94 });
    }
  }
  if (type === 'suffix' && leadingFolders) {
    // Plain text after a leading `**`: Docker checks that the path ends with the text after `**` (its `/`
    // included, and `**/a` also matches `a`), as a string.
    const slashEaten = chars[2] === SLASH;
    leadingFolders.kind = slashEaten && tokens.length > 1 ? Kind.Folders : Kind.Any;
    leadingFolders.lineFeed = true;
  }
  return simplify(tokens);
}

/**
 * A class after its `[`, as Go's filepath.Match reads it (Docker checks every pattern with it first): `^` first
 * negates, a range is `lo-hi`, `\` escapes, `-` and `]` must be escaped where they would be ambiguous.
 */
function parseClass(chars: readonly number[], from: number, open: number): { token: Token; end: number } {
  let position = from;
  const negated = chars[position] === 94; /* ^ */
  if (negated) position++;
  const ranges: Array<[number, number]> = [];
  const unclosed = () => new InvalidDockerPattern('the "[" is never closed by "]"', open);
  const escaped = (): number => {
    const char = chars[position];
    if (char === undefined) throw unclosed();
    if (char === 45 /* - */ || char === 93 /* ] */) {
      throw new InvalidDockerPattern(`a "${String.fromCodePoint(char)}" inside "[...]" must be escaped as "\\${String.fromCodePoint(char)}"`, position);
    }
    position++;
    if (char !== 92) return char;
    const next = chars[position++];
    if (next === undefined) throw unclosed();
    return next;
  };
  for (;;) {
    if (chars[position] === 93 && ranges.length > 0) return { token: { kind: Kind.Class, ranges, negated, lineFeed: false }, end: position + 1 };
    const rangeStart = position;
    const low = escaped();
    let high = low;
    if (chars[position] === 45) {
      position++;
      high = escaped();
      if (high < low) throw new InvalidDockerPattern('a range "x-y" inside "[...]" must not go backwards', rangeStart);
    }
    ranges.push([low, high]);
    if (position >= chars.length) throw unclosed();
  }
}

/**
 * Runs of `**` become one: `(.*\/)?(.*\/)?` is `(.*\/)?`, and `(.*\/)?.*` is `.*`. Between two tokens that read a
 * character there are then at most two that read none (a single `*` only follows `**`), so the positions reachable
 * after n characters are at most 3n + 3, whatever the pattern's length (`^` blocks the way after the first).
 */
function simplify(tokens: Token[]): Token[] {
  const kept: Token[] = [];
  for (const token of tokens) {
    const last = kept[kept.length - 1];
    if (last?.kind === Kind.Folders && (token.kind === Kind.Folders || token.kind === Kind.Any) && last.lineFeed === token.lineFeed) {
      kept[kept.length - 1] = token;
    } else {
      kept.push(token);
    }
  }
  return kept;
}

function classMatches(token: Token, char: number): boolean {
  let inside = false;
  for (const [low, high] of token.ranges!) {
    if (char >= low && char <= high) {
      inside = true;
      break;
    }
  }
  return inside !== token.negated;
}

/**
 * A compiled pattern. Automaton states: `2i` is "at token i", `2i + 1` "inside the `(.*\/)?` of token i" (it has
 * read some of the folders and must end them with a `/`); `2n` (n tokens) accepts.
 */
export class DockerPattern {
  readonly #tokens: readonly Token[];
  readonly #accept: number;
  /** Per state, the step number in which it was last added (a set without clearing). */
  readonly #seen: Int32Array;
  #step = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
    this.#accept = 2 * tokens.length;
    this.#seen = new Int32Array(2 * tokens.length + 2);
  }

  /** Whether the whole path matches. */
  matches(candidate: string, budget?: IgnoreBudget): boolean {
    let states = this.#start();
    for (let index = 0; index < candidate.length; ) {
      const char = candidate.codePointAt(index)!;
      index += char > 0xffff ? 2 : 1;
      states = this.#advance(states, char, budget);
      if (states.length === 0) return false;
    }
    return states.includes(this.#accept);
  }

  /** Whether the path or a folder above it matches (Docker then leaves out the path). */
  matchesPathOrParent(candidate: string, budget?: IgnoreBudget): boolean {
    return this.under('', budget)(candidate);
  }

  /**
   * `matchesPathOrParent` for many paths in one folder (`folder/name`): the folder is read once. With an empty
   * folder, the names are whole paths.
   */
  under(folder: string, budget?: IgnoreBudget): (name: string) => boolean {
    let states = this.#start();
    let matched = false;
    if (folder !== '') {
      for (let index = 0; index < folder.length; ) {
        const char = folder.codePointAt(index)!;
        index += char > 0xffff ? 2 : 1;
        if (char === SLASH && states.includes(this.#accept)) matched = true;
        states = this.#advance(states, char, budget);
      }
      if (states.includes(this.#accept)) matched = true;
      states = this.#advance(states, SLASH, budget);
    }
    if (matched) return () => true;
    const afterFolder = states;
    return (name) => {
      let current = afterFolder;
      for (let index = 0; index < name.length; ) {
        if (current.length === 0) return false;
        const char = name.codePointAt(index)!;
        index += char > 0xffff ? 2 : 1;
        if (char === SLASH && current.includes(this.#accept)) return true;
        current = this.#advance(current, char, budget);
      }
      return current.includes(this.#accept);
    };
  }

  #start(): number[] {
    const states: number[] = [];
    this.#step++;
    this.#add(states, 0, true);
    return states;
  }

  /**
   * Adds state `2i` and the states after it that read nothing (`*`, `**`, and `^` before the first character:
   * `atStart`).
   */
  #add(states: number[], state: number, atStart = false): void {
    const seen = this.#seen;
    for (;;) {
      if (seen[state] === this.#step) return;
      seen[state] = this.#step;
      states.push(state);
      if (state === this.#accept) return;
      const kind = this.#tokens[state >> 1].kind;
      if (kind === Kind.Start ? !atStart : kind !== Kind.Star && kind !== Kind.Folders && kind !== Kind.Any) return;
      state += 2;
    }
  }

  #advance(states: readonly number[], char: number, budget: IgnoreBudget | undefined): number[] {
    if (budget && (budget.steps -= states.length + 1) < 0) throw new IgnoreBudgetExceeded();
    const next: number[] = [];
    this.#step++;
    for (const state of states) {
      if (state === this.#accept) continue;
      const token = this.#tokens[state >> 1];
      const after = (state & ~1) + 2;
      switch (token.kind) {
        case Kind.Literal:
          if (char === token.char) this.#add(next, after);
          break;
        case Kind.One:
          if (char !== SLASH) this.#add(next, after);
          break;
        case Kind.Class:
          if (classMatches(token, char)) this.#add(next, after);
          break;
        case Kind.Star:
          if (char !== SLASH) this.#add(next, state);
          break;
        case Kind.Any:
          if (char !== LINE_FEED || token.lineFeed) this.#add(next, state);
          break;
        case Kind.Folders:
          if (char === LINE_FEED && !token.lineFeed) break;
          if (this.#seen[state | 1] !== this.#step) {
            this.#seen[state | 1] = this.#step;
            next.push(state | 1);
          }
          if (char === SLASH) this.#add(next, after);
          break;
      }
    }
    return next;
  }
}

/** One line of a .dockerignore that holds a pattern. */
export interface IgnorePattern {
  negated: boolean;
  /** The pattern as Docker reads it (after `!`, trimmed and cleaned). */
  text: string;
  matcher: DockerPattern;
}

/**
 * One line of a .dockerignore, as Docker reads it: `#` comments, `!` negation, leading `/` and `./` dropped.
 * Undefined for a line without a pattern; throws InvalidDockerPattern for a pattern Docker refuses.
 */
export function parseIgnoreLine(line: string): IgnorePattern | undefined {
  let text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const negated = text.startsWith('!');
  if (negated) text = text.slice(1).trim();
  text = path.posix.normalize(text).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  if (text === '' || text === '.') return undefined;
  return { negated, text, matcher: compileDockerPattern(text) };
}

/** Docker excludes a path when it, or a folder above it, matches; the last matching line decides. */
export function isIgnored(candidate: string, patterns: readonly IgnorePattern[], budget?: IgnoreBudget): boolean {
  for (let index = patterns.length - 1; index >= 0; index--) {
    if (patterns[index].matcher.matchesPathOrParent(candidate, budget)) return !patterns[index].negated;
  }
  return false;
}

/**
 * The first of `names` (entries of `folder`) that the patterns do not exclude, or undefined. Each pattern reads
 * the folder part once, not once per name.
 */
export function firstIncluded(folder: string, names: readonly string[], patterns: readonly IgnorePattern[], budget?: IgnoreBudget): string | undefined {
  const under = patterns.map((pattern) => ({ negated: pattern.negated, matches: pattern.matcher.under(folder, budget) }));
  for (const name of names) {
    let ignored = false;
    for (let index = under.length - 1; index >= 0; index--) {
      if (under[index].matches(name)) {
        ignored = !under[index].negated;
        break;
      }
    }
    if (!ignored) return name;
  }
  return undefined;
}
