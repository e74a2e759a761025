import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validate } from './helpers.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/asl');

function definitionsIn(folder: string): string[] {
  return readdirSync(join(fixtures, folder)).filter((name) => name.endsWith('.json')).sort();
}

describe('real definitions from aws-samples', () => {
  const valid = definitionsIn('valid');

  it('has all 168 valid definitions', () => {
    assert.equal(valid.length, 168);
  });

  it('reports no error on any definition that AWS accepts', () => {
    const failures: string[] = [];
    for (const name of valid) {
      const file = join(fixtures, 'valid', name);
      for (const finding of validate(readFileSync(file, 'utf8'), { file })) {
        if (finding.severity === 'error') failures.push(`${name}:${finding.line}:${finding.column} ${finding.rule} ${finding.message}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('warns about their SAM/terraform placeholders, which the tests do not give', () => {
    const file = join(fixtures, 'valid', 'batch-lambda-sam__statemachine.asl.json');
    const findings = validate(readFileSync(file, 'utf8'), { file });
    assert.ok(findings.some((finding) => finding.rule === 'substitution/unknown'));
  });

  for (const name of definitionsIn('malformed')) {
    it(`reports at least one error on malformed ${name}`, () => {
      const file = join(fixtures, 'malformed', name);
      const errors = validate(readFileSync(file, 'utf8'), { file }).filter((finding) => finding.severity === 'error');
      assert.ok(errors.length >= 1, 'no error reported');
      for (const error of errors) {
        assert.equal(error.file, file);
        assert.ok(error.line! >= 1 && error.column! >= 1);
      }
    });
  }

  it('points at the broken line of the malformed iot definition', () => {
    const file = join(fixtures, 'malformed', 'sfn-iot-data-analytics-dataset__statemachine.asl.json');
    const errors = validate(readFileSync(file, 'utf8'), { file }).filter((finding) => finding.severity === 'error');
    assert.equal(errors[0].rule, 'json/syntax');
    assert.equal(errors[0].line, 10); // "Messages": "Messages.$": "$.Messages"
  });

  it('explains the misplaced QueryLanguage of the malformed JSONata definition', () => {
    const file = join(fixtures, 'malformed', 'shared-fallback-state-jsonata__statemachine.asl.json');
    const errors = validate(readFileSync(file, 'utf8'), { file }).filter((finding) => finding.severity === 'error');
    const structure = errors.find((error) => error.rule === 'asl/structure');
    assert.ok(structure);
    assert.equal(structure.line, 5);
    assert.match(structure.message, /move "QueryLanguage" out of "States"/);
  });
});
