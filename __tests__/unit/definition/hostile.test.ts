/**
 * Definitions made to hang or crash the validator: each ends with positioned findings. (Before, the long "# TO EDIT"
 * line took minutes, the deep nestings threw "Maximum call stack size exceeded", the oversized file was parsed.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JSONATA_EXPRESSIONS } from '../../../src/validate/definition/asl.ts';
import { BUILTIN_SUBSTITUTIONS } from '../../../src/validate/definition/index.ts';
import { MAX_INTRINSIC_DEPTH, MAX_JSONATA_DEPTH, MAX_JSON_DEPTH, firstTooDeep } from '../../../src/validate/definition/nesting.ts';
import type { Finding } from '../../../src/ground/findings.ts';
import { callGuarded } from '../validate/guarded.ts';
import { at, machine, ruleAt, validate, where } from './helpers.ts';

const pass = (extra: string) => machine(`    "First": {\n      "Type": "Pass",\n${extra}\n      "End": true\n    }`);

describe('a long line before a "# TO EDIT" marker', () => {
  it('600 KB of escaped quotes: one to-edit error at the "#", naming the key of the line', async () => {
    const text = pass(`      "Comment": "${'\\"'.repeat(300_000)}", # TO EDIT`);
    // In a worker, stopped if it does not end (it took 100 s, with a regular expression retried from every quote).
    const findings = await callGuarded<Finding[]>(new URL('./helpers.ts', import.meta.url), 'validate', [text]);
    assert.deepEqual(where(findings), [ruleAt('template/to-edit', text, '# TO EDIT')]);
    assert.match(findings[0].message, /edit the value of "Comment" for your model/);
    // The comment is quoted, not the line.
    assert.ok(findings[0].message.length < 400);
  });

  it('reads the last key of the line as before: a state name, an escaped quote in a key, a value that is not a key', () => {
    const message = (line: string) => validate(pass(line)).find((finding) => finding.rule === 'template/to-edit')!.message;
    assert.match(message('      "Next": "a", "notebook_path": "b", # TO EDIT'), /set "notebook_path"/);
    assert.match(message('      "Result": { "x\\"y" : 1, "z": "w" }, # TO EDIT'), /edit the value of "z"/);
    assert.match(message('      "Result": { "STEP 1": { "a": 1 } }, # TO EDIT'), /edit the value of "a"/);
    assert.match(message('      "Result": [ "a", "b" ], # TO EDIT'), /edit the value of "Result"/);
    assert.match(message('      "Result": [ "a:", "b" ], # TO EDIT'), /edit the value of "Result"/);
    assert.match(message('      "Result": "x", "Next" : { # TO EDIT'), /rename the state "Next"/);
    assert.match(message('      1, # TO EDIT'), /edit this line for your model/);
  });
});

describe('a definition larger than 1 MB', () => {
  it('is one asl/size error at 1:1, and nothing of it is parsed', () => {
    // Broken JSON, template leftovers and bad states: none of it is reported past the size.
    const text = `{ "StartAt": <model_name>, # TO EDIT\n"States": { "A": { "Type": "Nope" } }, "Comment": "${'x'.repeat(1024 * 1024)}"`;
    const findings = validate(text);
    assert.deepEqual(where(findings), ['asl/size@1:1']);
    assert.match(findings[0].message, /accepts at most 1048576 bytes/);
  });
});

describe('deep nesting of arrays and objects', () => {
  it('100,000 nested arrays: one json/too-deep error at the first bracket past the limit, and no other check', () => {
    const text = pass(`      "Result": ${'['.repeat(100_000)}${']'.repeat(100_000)},`);
    const findings = validate(text);
    const first = at(text, '[');
    // Three levels (the machine, "States", the state) are open before the first "[".
    const expected = { line: first.line, column: first.column + MAX_JSON_DEPTH - 3 };
    assert.deepEqual(where(findings), [`json/too-deep@${expected.line}:${expected.column}`]);
    assert.equal(findings[0].severity, 'error');
    assert.match(findings[0].message, /at most 256 deep/);
  });

  it('100,000 nested objects in a template that is not JSON yet: the template findings, then too-deep', () => {
    const text = `{ # TO EDIT\n  "StartAt": "First",\n  "X": ${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}\n}\n`;
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('template/to-edit', text, '#'), `json/too-deep@3:${8 + 5 * (MAX_JSON_DEPTH - 1)}`]);
  });

  it('exactly at the limit is checked as usual; brackets in strings do not count', () => {
    const inner = MAX_JSON_DEPTH - 3;
    const deepest = pass(`      "Result": ${'['.repeat(inner)}"[[[[{{{{"${']'.repeat(inner)},`);
    assert.equal(firstTooDeep(deepest), -1);
    assert.deepEqual(validate(deepest), []);
    const past = pass(`      "Result": ${'['.repeat(inner + 1)}${']'.repeat(inner + 1)},`);
    assert.deepEqual(where(validate(past)).map((finding) => finding.split('@')[0]), ['json/too-deep']);
  });

  it('unbalanced closing brackets and a broken string do not hide the depth', () => {
    assert.equal(firstTooDeep(']]]}}}' + '['.repeat(10), 9), 9 + 6);
    assert.equal(firstTooDeep('"abc\n' + '['.repeat(10), 9), 5 + 9);
    assert.equal(firstTooDeep('"a\\"[[[[[[[[[[["', 9), -1);
  });
});

describe('deep nesting inside string values', () => {
  it('45,000 nested States.Format calls: one asl/intrinsic error at the value, naming the depth', () => {
    const value = `${"States.Format('{}', ".repeat(45_000)}'x'${')'.repeat(45_000)}`;
    const text = pass(`      "Parameters": { "x.$": "${value}" },`);
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('asl/intrinsic', text, '"States.Format')]);
    assert.match(findings[0].message, new RegExp(`nested ${MAX_INTRINSIC_DEPTH + 1} deep`));
    assert.ok(findings[0].message.length < 1000, 'the value is cut in the message');
  });

  it('intrinsic calls nested to the limit are checked as usual', () => {
    const value = `${'States.Array('.repeat(MAX_INTRINSIC_DEPTH)}${')'.repeat(MAX_INTRINSIC_DEPTH)}`;
    assert.deepEqual(validate(pass(`      "Parameters": { "x.$": "${value}" },`)), []);
    const wrong = `${'States.Array('.repeat(MAX_INTRINSIC_DEPTH - 1)}States.UUID(1)${')'.repeat(MAX_INTRINSIC_DEPTH - 1)}`;
    assert.match(validate(pass(`      "Parameters": { "x.$": "${wrong}" },`))[0].message, /States.UUID takes 0 arguments, not 1/);
  });

  const jsonata = (expression: string) =>
    machine(`    "First": {\n      "Type": "Pass",\n      "QueryLanguage": "JSONata",\n      "Output": "{% ${expression} %}",\n      "End": true\n    }`);

  it('a JSONata expression with 100,000 nested parentheses: one jsonata/syntax error at the value', () => {
    const text = jsonata(`${'('.repeat(100_000)}1${')'.repeat(100_000)}`);
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('jsonata/syntax', text, '"{%')]);
    assert.match(findings[0].message, new RegExp(`nested too deeply to check: its brackets nest more than ${MAX_JSONATA_DEPTH} deep \\(at character ${MAX_JSONATA_DEPTH + 2} `));
  });

  it('a JSONata expression nested without brackets (100,000 "?:"): the same error, from the parser running out of stack', () => {
    const text = jsonata(`${'1 ? 1 : '.repeat(100_000)}1`);
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('jsonata/syntax', text, '"{%')]);
    assert.match(findings[0].message, /nested too deeply to check: the parser ran out of stack/);
  });

  it('60,000 different JSONata expressions: the first 10,000 are checked, then one warning where the others start', () => {
    const expressions = Array.from({ length: 60_000 }, (_, i) => `"{% ${i === 3 ? '(' : `$x${i}`} %}"`);
    const text = `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Output":[\n${expressions.join(',\n')}\n]}}}`;
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('jsonata/syntax', text, '"{% ( %}"'), ruleAt('jsonata/not-checked', text, `"{% $x${MAX_JSONATA_EXPRESSIONS} %}"`)]);
    assert.match(findings[1].message, new RegExp(`checked the first ${MAX_JSONATA_EXPRESSIONS}, not the 50000 from here on`));
  });

  it('an expression repeated is reported at each place', () => {
    const text = `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Output":[\n${Array(20_000).fill('"{% ( %}"').join(',\n')}\n]}}}`;
    const findings = validate(text);
    assert.equal(findings.length, 20_000);
    assert.deepEqual(where(findings.slice(-1)), ['jsonata/syntax@20001:1']);
  });

  it('brackets in JSONata strings, names and comments do not count', () => {
    const text = jsonata(`'${'('.repeat(300)}' & \`${'['.repeat(300)}\` /* ${'{'.repeat(300)} */`);
    assert.deepEqual(validate(text), []);
  });
});

describe('the last safety net', () => {
  it('a RangeError escaping a checker is one positioned error finding, the findings before it kept', () => {
    const text = `{\n  "StartAt": "\${Unknown}",\n  "Comment": "\${Boom}",\n  "States": { "A": { "Type": "Pass", "End": true } }\n}\n`;
    const substitutions = {
      has: (name: string) => {
        if (name === 'Boom') throw new RangeError('Maximum call stack size exceeded');
        return BUILTIN_SUBSTITUTIONS.includes(name);
      },
    } as unknown as ReadonlySet<string>;
    const findings = validate(text, { substitutions });
    assert.deepEqual(where(findings), ['definition/too-complex@1:1', ruleAt('substitution/unknown', text, '${Unknown}')]);
    assert.equal(findings[0].severity, 'error');
    assert.match(findings[0].message, /could not finish checking this definition \(Maximum call stack size exceeded\)/);
  });

  it('any other error is a bug, and is not hidden', () => {
    const substitutions = { has: () => { throw new TypeError('a bug'); } } as unknown as ReadonlySet<string>;
    assert.throws(() => validate('{ "Comment": "${X}" }', { substitutions }), TypeError);
  });
});

describe('many wrong targets', () => {
  it('each gets its suggestion (the first state name that differs only by case or spaces)', () => {
    const states = Array.from({ length: 3000 }, (_, i) => `    "State ${i}": { "Type": "Pass", "Next": "state ${i + 1} " }`);
    states.push('    "State 3000": { "Type": "Succeed" }', '    "STATE 1": { "Type": "Succeed" }');
    const text = machine(states.join(',\n'), 'State 0');
    const findings = validate(text).filter((finding) => finding.rule === 'asl/next-target');
    assert.equal(findings.length, 3000);
    assert.match(findings[0].message, /goes to "state 1 ", but there is no such state in the state machine \(did you mean "State 1"\?\)/);
    assert.match(findings[2999].message, /\(did you mean "State 3000"\?\)/);
  });
});
