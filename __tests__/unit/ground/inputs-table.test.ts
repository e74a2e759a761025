/**
 * One table over action.yml: every input is described, read by parseSettings, an option of the CLI, and its
 * documented default is what the parser yields when it is not set. An input added to one place only fails here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ACTION_ONLY_INPUTS, BOOLEAN_INPUTS, INPUT_OPTIONS, expandBareBooleans } from '../../../src/cli/options.ts';
import { InputError } from '../../../src/ground/errors.ts';
import { getBoolean, getInteger, getNumber, quoted, type InputGetter } from '../../../src/ground/inputs.ts';
import { parseSettings } from '../../../src/ground/settings/index.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const metadata = parse(fs.readFileSync(path.join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description?: unknown; required?: unknown; default?: unknown }>;
};
const inputs = Object.entries(metadata.inputs);
const inputNames = inputs.map(([name]) => name).sort();
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-table-'));
const settingsFrom = (values: Record<string, string>) => parseSettings((name) => values[name] ?? '', { workspace });

/** The names parseSettings asks its getter for when nothing is set. */
function namesRead(): string[] {
  const asked = new Set<string>();
  parseSettings((name) => (asked.add(name), ''), { workspace });
  return [...asked].sort();
}

describe('every input of action.yml, in every place', () => {
  it('parseSettings reads exactly the inputs of action.yml', () => {
    const read = namesRead();
    assert.deepEqual(read.filter((name) => !inputNames.includes(name)), [], 'read by parseSettings but not in action.yml');
    assert.deepEqual(inputNames.filter((name) => !read.includes(name)), [], 'in action.yml but never read by parseSettings');
  });

  it('the CLI has an option for exactly the inputs of action.yml but the Action\'s own (the pull-request comment)', () => {
    const options: string[] = [...INPUT_OPTIONS, ...ACTION_ONLY_INPUTS];
    assert.deepEqual(options.filter((name) => !inputNames.includes(name)), [], 'in INPUT_OPTIONS but not in action.yml');
    assert.deepEqual(inputNames.filter((name) => !options.includes(name)), [], 'in action.yml but not in INPUT_OPTIONS');
  });

  for (const [name, input] of inputs) {
    describe(name, () => {
      it('has a description and is not required', () => {
        assert.equal(typeof input.description, 'string');
        assert.ok((input.description as string).trim().length > 0);
        assert.notEqual(input.required, true, 'an input with a default in the parser is never required');
      });

      if (typeof input.default === 'string' && input.default.startsWith('${{')) {
        it(`its default ${JSON.stringify(input.default)} is an expression the runner fills in, and unset means none`, () => {
          assert.equal(name, 'github-token', 'only the token defaults to an expression');
          assert.equal(settingsFrom({}).comment.token, undefined);
          assert.equal(settingsFrom({ [name]: 'ghs_example' }).comment.token, 'ghs_example');
        });
      } else if (input.default !== undefined) {
        it(`its documented default ${JSON.stringify(input.default)} is what the parser yields when unset`, () => {
          assert.equal(typeof input.default, 'string', 'defaults are quoted strings, as the runner passes them');
          assert.deepEqual(settingsFrom({ [name]: input.default as string }), settingsFrom({}));
        });
      }

      if (BOOLEAN_INPUTS.has(name)) {
        it('is a boolean with the spellings of @actions/core getBooleanInput, and no other', () => {
          assert.ok(input.default === 'true' || input.default === 'false', 'a true/false input documents its default');
          for (const spelling of ['true', 'True', 'TRUE', 'false', 'False', 'FALSE']) {
            assert.doesNotThrow(() => settingsFrom({ [name]: spelling }), spelling);
          }
          for (const spelling of ['yes', 'no', 'on', 'off', '1', '0', 'tRue', 'y']) {
            assert.throws(() => settingsFrom({ [name]: spelling }), (error: unknown) => {
              assert.ok(error instanceof InputError);
              assert.equal(error.message, `Input \`${name}\` is "${spelling}": use true or false.`);
              return true;
            });
          }
        });
      }
    });
  }
});

describe('the getters', () => {
  const only = (value: string): InputGetter => (name) => (name === 'x' ? value : '');

  it('a boolean is read as @actions/core reads it, trimmed; unset is the fallback', () => {
    assert.equal(getBoolean(only(' TRUE '), 'x', false), true);
    assert.equal(getBoolean(only('False'), 'x', true), false);
    assert.equal(getBoolean(only(''), 'x', true), true);
    assert.throws(() => getBoolean(only('on'), 'x', false), /Input `x` is "on": use true or false\./);
  });

  it('numbers are bounded; integers are whole; the message gives the range and the default', () => {
    const bounds = { min: 1, max: 5, fallback: 2 };
    assert.equal(getInteger(only(' 5 '), 'x', bounds), 5);
    assert.equal(getInteger(only(''), 'x', bounds), 2);
    for (const bad of ['0', '6', '1.5', '-1', '0x3', '1e0', 'three']) {
      assert.throws(() => getInteger(only(bad), 'x', bounds), new RegExp(`Input \`x\` is "${bad}": use a whole number from 1 to 5 \\(default 2\\)\\.`));
    }
    assert.equal(getNumber(only('.5'), 'x', { ...bounds, min: 0, unit: 'minutes' }), 0.5);
    assert.throws(() => getNumber(only('0'), 'x', { ...bounds, min: 0, minExclusive: true, unit: 'minutes' }), /use a number of minutes above 0, at most 5 \(default 2\)/);
  });

  it('a value is shown quoted, escaped and cut', () => {
    assert.equal(quoted('a"b'), '"a\\"b"');
    assert.equal(quoted('a\n::error::x'), '"a\\n::error::x"');
    assert.equal(quoted('\u202eevil\u0085'), '"\\u202eevil\\x85"');
    assert.equal(quoted('y'.repeat(5000)), `"${'y'.repeat(200)}…"`);
    assert.throws(() => getBoolean(only(`x\n${'z'.repeat(5000)}`), 'x', false), (error: Error) => error.message.length < 300 && !error.message.includes('\n'));
  });
});

describe('the CLI', () => {
  it('a bare true/false flag means true; a value after it stays as written, for the parser to accept or refuse', () => {
    assert.deepEqual(expandBareBooleans(['deploy', '--force-build', 'models/paris']), ['deploy', '--force-build=true', 'models/paris']);
    assert.deepEqual(expandBareBooleans(['deploy', '--rollback', 'FALSE']), ['deploy', '--rollback', 'FALSE']);
    assert.deepEqual(expandBareBooleans(['deploy', '--rollback', 'no']), ['deploy', '--rollback', 'no']);
    assert.deepEqual(expandBareBooleans(['deploy', '--rollback=false', '--bucket', 'true']), ['deploy', '--rollback=false', '--bucket', 'true']);
    assert.deepEqual(expandBareBooleans(['deploy', '--delete-removed']), ['deploy', '--delete-removed=true']);
  });
});
