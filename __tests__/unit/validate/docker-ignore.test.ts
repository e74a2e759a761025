import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  IgnoreBudgetExceeded,
  InvalidDockerPattern,
  compileDockerPattern,
  firstIncluded,
  isIgnored,
  parseIgnoreLine,
  type IgnorePattern,
} from '../../../src/validate/docker-ignore.ts';

/**
 * Docker's own algorithm (github.com/moby/patternmatcher, Pattern.compile and Pattern.match), transcribed with a
 * JavaScript regular expression in place of Go's: the oracle the matcher is compared with on ordinary patterns.
 * (Only for short inputs: a backtracking engine is what the matcher replaces.)
 */
function dockerReference(pattern: string, candidate: string): boolean {
  let source = '^';
  let type: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  const chars = Array.from(pattern);
  for (let position = 0, iteration = 0; position < chars.length; iteration++) {
    const char = chars[position++];
    if (char === '*') {
      if (chars[position] === '*') {
        position++;
        if (chars[position] === '/') position++;
        if (position === chars.length) {
          if (type === 'exact') type = 'prefix';
          else {
            source += '.*';
            type = 'regexp';
          }
        } else {
          source += '(.*/)?';
          type = 'regexp';
        }
        if (iteration === 0) type = 'suffix';
      } else {
        source += '[^/]*';
        type = 'regexp';
      }
    } else if (char === '?') {
      source += '[^/]';
      type = 'regexp';
    } else if ('.+()|{}$'.includes(char)) {
      source += `\\${char}`;
    } else if (char === '\\') {
      source += `\\${chars[position++]}`;
      type = 'regexp';
    } else if (char === '[' || char === ']') {
      source += char;
      type = 'regexp';
    } else {
      source += char;
    }
  }
  switch (type) {
    case 'exact':
      return candidate === pattern;
    case 'prefix':
      return candidate.startsWith(pattern.slice(0, -2));
    case 'suffix': {
      const suffix = pattern.slice(2);
      return candidate.endsWith(suffix) || (suffix.startsWith('/') && candidate === suffix.slice(1));
    }
    default:
      return new RegExp(`${source}$`, 'u').test(candidate);
  }
}

const matches = (pattern: string, candidate: string) => compileDockerPattern(pattern).matches(candidate);

describe('Docker ignore patterns, matched without backtracking', () => {
  const table: Array<[pattern: string, candidate: string, expected: boolean]> = [
    ['paris/scenarios', 'paris/scenarios', true],
    ['paris/scenarios', 'paris/scenarios/base', false],
    ['paris/scenarios/*', 'paris/scenarios/base', true],
    ['paris/scenarios/*', 'paris/scenarios/base/inputs', false],
    ['paris/scenarios/*', 'paris/scenarios/', true],
    ['*', 'a', true],
    ['*', 'a/b', false],
    ['*.pyc', 'x.pyc', true],
    ['*.pyc', 'dir/x.pyc', false],
    ['?', 'a', true],
    ['?', '/', false],
    ['??', 'a', false],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['[abc]', 'b', true],
    ['[abc]', 'd', false],
    ['[a-c]x', 'bx', true],
    ['[a-c]x', 'dx', false],
    ['[^a-c]x', 'dx', true],
    ['[^a-c]x', 'bx', false],
    // A negated class is a regular expression class in Docker: it matches "/" too.
    ['a[^b]c', 'a/c', true],
    // "!" does not negate in Go's syntax: it is one of the class's characters.
    ['[!a]', '!', true],
    ['[!a]', 'b', false],
    ['[\\]]', ']', true],
    ['[a\\-z]', '-', true],
    ['[a\\-z]', 'b', false],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['a\\?', 'a?', true],
    ['**', 'anything/at/all', true],
    ['**/x', 'x', true],
    ['**/x', 'a/b/x', true],
    ['**/x', 'ax', false],
    ['**/*.pyc', 'a/b/c.pyc', true],
    ['**/*.pyc', 'c.pyc', true],
    ['**.pyc', 'a/b/c.pyc', true],
    // A leading "**" before plain text is a suffix comparison: any path that ends with the text.
    ['**x', 'ax', true],
    ['**__pycache__**', 'a/__pycache__/b.pyc', true],
    ['**__pycache__**', '__pycache__', true],
    ['**.cache**', 'a/.cache/x', true],
    ['**.cache**', 'a/b.cache', false],
    ['a/**', 'a/b/c', true],
    ['a/**', 'a', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/xb', false],
    ['a**b', 'ab', true],
    ['a**b', 'a/x/b', true],
    ['a**b', 'axb', false],
    ['a/***', 'a/x/y', true],
    ['a/*/**', 'a/x/y', true],
    ['*/**', 'x', false],
    // No braces, no extglobs, no regular expression: these characters stand for themselves.
    ['{a,b}', '{a,b}', true],
    ['{a,b}', 'a', false],
    ['+(a)', '+(a)', true],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['$x|y', '$x|y', true],
    // "^" is a character in a plain pattern, but "start of the path" once Docker builds a regular expression.
    ['^a', '^a', true],
    ['^a*', 'ab', true],
    ['^a*', '^ab', false],
    ['a^*', 'a^b', false],
    ['*^a', 'a', true],
    ['*^a', 'xa', false],
    ['**/^a', 'x/^a', true],
    ['**/^a', 'a', false],
    ['é*', 'été', true],
    ['?', '😀', true],
    ['a*', 'a\nb', true],
    ['a/**/b', 'a/x\ny/b', false],
    // The hostile pattern: each "*" may take any part of the name; no split ends with "b".
    [`m/scenarios/${'*a'.repeat(40)}*b`, `m/scenarios/${'a'.repeat(200)}`, false],
    [`m/scenarios/${'*a'.repeat(40)}*b`, `m/scenarios/${'a'.repeat(200)}b`, true],
    [`**/${'*?'.repeat(40)}[a-z]`, `${'x/'.repeat(50)}${'a'.repeat(200)}`, true],
    [`${'**/'.repeat(1000)}x`, `${'a/'.repeat(200)}x`, true],
    [`${'*'.repeat(10_001)}x`, 'a/b/cx', true],
  ];
  for (const [pattern, candidate, expected] of table) {
    const shown = (text: string) => (text.length > 60 ? `${text.slice(0, 40)}... (${text.length} characters)` : text);
    it(`${JSON.stringify(shown(pattern))} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(shown(candidate))}`, () => {
      assert.equal(matches(pattern, candidate), expected);
    });
  }

  it('agrees with Docker\'s own algorithm on every pairing of ordinary patterns and paths', () => {
    const patterns = [
      'a', 'a/b', '*', '*/b', 'a/*', '?', 'a?', '[ab]', '[^a]', '[a-c]/*', '**', '**/b', '**b', 'a/**', 'a/**/b',
      '**/a/**', 'a**', '***', '****/b', '*/**/*', 'a.b', 'a\\*b', '**.b', '**/*.b', 'a/**/', 'x**y**z', '^a*', 'a^', '[a-b]?', '**^b',
    ].map((pattern) => pattern.replace(/\/$/, ''));
    const paths = ['a', 'b', 'ab', 'a/b', 'a/c', 'a/b/c', 'x/a/b', 'a.b', 'x.b', 'a*b', 'c/a', 'xyz', 'x/y/z', 'a/x/b', 'aab', 'a/a/a', 'b/b'];
    for (const pattern of patterns) {
      for (const candidate of paths) {
        assert.equal(matches(pattern, candidate), dockerReference(pattern, candidate), `${pattern} against ${candidate}`);
      }
    }
  });

  it("agrees with Docker's own algorithm on 5,000 random short patterns and paths", () => {
    let seed = 42;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const pick = (parts: readonly string[], count: number) => Array.from({ length: count }, () => parts[random(parts.length)]).join('');
    const patternParts = ['a', 'b', '/', '*', '*', '?', '[ab]', '[^a]', '\\*', '.', '^'];
    const pathParts = ['a', 'b', '/', '.', '*', '^'];
    for (let round = 0; round < 5000; round++) {
      const pattern = pick(patternParts, 1 + random(6));
      const candidate = pick(pathParts, random(7));
      assert.equal(matches(pattern, candidate), dockerReference(pattern, candidate), `${pattern} against ${JSON.stringify(candidate)}`);
    }
  });

  it('refuses the patterns Docker refuses, pointing at the character at fault', () => {
    for (const [pattern, index] of [['a[b', 1], ['[]', 1], ['[a-]', 3], ['[-a]', 1], ['[z-a]', 1], ['a\\', 1], ['[', 0], ['[^]', 2]] as const) {
      assert.throws(() => compileDockerPattern(pattern), (error: unknown) => error instanceof InvalidDockerPattern && error.index === index, pattern);
    }
  });

  it('stops with IgnoreBudgetExceeded past its step budget', () => {
    const pattern = compileDockerPattern(`${'*a'.repeat(40)}*b`);
    assert.throws(() => pattern.matches('a'.repeat(200), { steps: 1000 }), IgnoreBudgetExceeded);
    const budget = { steps: 1_000_000 };
    assert.equal(pattern.matches('a'.repeat(200), budget), false);
    assert.ok(budget.steps < 1_000_000 && budget.steps >= 0);
  });
});

describe('ignore lines and paths, as Docker reads them', () => {
  const lines = (...texts: string[]) => texts.map(parseIgnoreLine).filter((pattern): pattern is IgnorePattern => pattern !== undefined);

  it('drops comments, blank lines, a leading "/" or "./" and a trailing "/"', () => {
    assert.equal(parseIgnoreLine('# paris/scenarios'), undefined);
    assert.equal(parseIgnoreLine('   '), undefined);
    assert.equal(parseIgnoreLine('!'), undefined);
    assert.deepEqual([parseIgnoreLine('/paris/scenarios/')!.text, parseIgnoreLine('./paris/x')!.text], ['paris/scenarios', 'paris/x']);
    assert.deepEqual([parseIgnoreLine(' ! paris/a ')!.negated, parseIgnoreLine(' ! paris/a ')!.text], [true, 'paris/a']);
  });

  it('excludes a path when it or a folder above it matches, and the last matching line decides', () => {
    assert.equal(isIgnored('paris/scenarios/base', lines('paris/scenarios')), true);
    assert.equal(isIgnored('paris/scenarios/base', lines('paris')), true);
    assert.equal(isIgnored('paris/scenarios/base', lines('paris/scenarios/*', '!paris/scenarios/base')), false);
    assert.equal(isIgnored('paris/scenarios/base', lines('!paris/scenarios/base', 'paris/scenarios/*')), true);
    assert.equal(isIgnored('paris/scenarios/base', lines('paris/other')), false);
    assert.equal(isIgnored('paris/scenarios/base', lines('*/scenarios')), true);
    assert.equal(isIgnored('paris/scenarios/base', lines('paris/scen')), false);
  });

  it('finds the first name of a folder the patterns let in, reading the folder once per pattern', () => {
    const patterns = lines('paris/scenarios/*', '!paris/scenarios/b*', 'paris/scenarios/bad');
    assert.equal(firstIncluded('paris/scenarios', ['a', 'bad', 'base', 'c'], patterns), 'base');
    assert.equal(firstIncluded('paris/scenarios', ['a', 'bad', 'c'], patterns), undefined);
    assert.equal(firstIncluded('paris/scenarios', ['a'], lines('paris')), undefined);
    assert.equal(firstIncluded('paris/scenarios', ['a'], lines('**/a/**')), 'a');
    assert.equal(firstIncluded('paris/scenarios', ['a'], lines('paris/**/a')), undefined);
  });
});
