import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BLANK_RUN_COST, costlyBlankRun, parseEnvFile, type EnvEntry } from '../../../src/ground/env-file.ts';
import { callGuarded } from '../validate/guarded.ts';

/** Where each key was found before (one regular expression per key, every line searched): the oracle. */
function oldPosition(text: string, key: string): { line: number; column: number } {
  const lines = text.split(/\r\n|\r|\n/);
  const assignment = new RegExp(`^(\\s*(?:export\\s+)?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(?:=|:\\s)\\s*)`);
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const match = assignment.exec(lines[index]);
    if (match) return { line: index + 1, column: match[1].length + 1 };
  }
  return { line: 1, column: 1 };
}

describe('.env positions, found in one pass', () => {
  it('100,000 keys: every key at its line and value column', async () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `KEY_${i}=value-${i}`).join('\n');
    // In a worker, stopped if it does not end (one search of every line per key took minutes here).
    const env = await callGuarded<Map<string, EnvEntry>>(new URL('../../../src/ground/env-file.ts', import.meta.url), 'parseEnvFile', [text]);
    assert.equal(env.size, 100_000);
    assert.deepEqual(env.get('KEY_0'), { value: 'value-0', line: 1, column: 7 });
    assert.deepEqual(env.get('KEY_99999'), { value: 'value-99999', line: 100_000, column: 11 });
  });

  it('the same positions as the search per key on every form dotenv reads', () => {
    const text = [
      '# comment',
      'export AWS_ECR_REPO_NAME = "a"',
      '  AWS_BUCKET_NAME: b',
      '\tAWS_LAMBDA_FUNCTION_NAME=c',
      'export=d',
      'export  spaced.key-1 =e # x',
      'AWS_ECR_REPO_NAME=f',
      'MULTI="one',
      'NOT_A_KEY=inside',
      'two"',
      'AWS_BUCKET_NAME:no-space',
      'EMPTY=',
      'a.b-c=g',
    ].join('\r\n');
    const env = parseEnvFile(text);
    assert.ok(env.size >= 7, [...env.keys()].join(' '));
    for (const [key, entry] of env) assert.deepEqual({ line: entry.line, column: entry.column }, oldPosition(text, key), key);
    // The last assignment wins, as in dotenv.
    assert.deepEqual(env.get('AWS_ECR_REPO_NAME'), { value: 'f', line: 7, column: 19 });
    assert.equal(env.get('export')?.line, 5);
  });
});

describe('runs of blank lines, over which dotenv would take minutes', () => {
  it('1 MB of blank lines after a comment: found, at the first blank line', () => {
    const text = `# the model\n${' \n'.repeat(500_000)}# end\nAWS_ECR_REPO_NAME=m\n`;
    assert.deepEqual(costlyBlankRun(text), { line: 2, lines: 500_000 });
  });

  it('at the start or the end of the file, or after a line that is not an assignment: found', () => {
    const blank = '\n'.repeat(20_000);
    assert.deepEqual(costlyBlankRun(`${blank}# end`), { line: 1, lines: 20_000 });
    assert.deepEqual(costlyBlankRun(`not an assignment\n${blank}!`), { line: 2, lines: 20_000 });
    assert.deepEqual(costlyBlankRun(`# c\n${blank}`), { line: 2, lines: 20_001 });
  });

  it('taken in by the assignment before it or after it (dotenv reads it once): not found', () => {
    const blank = '\n'.repeat(20_000);
    assert.equal(costlyBlankRun(`A=1\n${blank}# end`), undefined);
    assert.equal(costlyBlankRun(`A="x\n${blank}# end`), undefined);
    assert.equal(costlyBlankRun(`# c\n${blank}B=1`), undefined);
    assert.equal(costlyBlankRun(`# c\n${blank}  export B: 1`), undefined);
  });

  it('CRLF and CR line ends count as one line each', () => {
    assert.deepEqual(costlyBlankRun(`#\r\n\r\n${'\r\n'.repeat(20_000)}#`), { line: 2, lines: 20_001 });
    assert.deepEqual(costlyBlankRun(`#\r${'\r'.repeat(20_000)}#`), { line: 2, lines: 20_000 });
  });

  it('ordinary files, and long runs of spaces on one line, are fine', () => {
    assert.equal(costlyBlankRun('# c\nA=1\n\n\nB=2\n   \n# end\n'), undefined);
    assert.equal(costlyBlankRun(`# ${' '.repeat(1_000_000)}1\n`), undefined);
    const justUnder = Math.floor(Math.sqrt(MAX_BLANK_RUN_COST)) - 1;
    assert.equal(costlyBlankRun(`#${'\n'.repeat(justUnder)}#`), undefined);
    assert.notEqual(costlyBlankRun(`#${'\n'.repeat(justUnder + 2)}#`), undefined);
  });
});
