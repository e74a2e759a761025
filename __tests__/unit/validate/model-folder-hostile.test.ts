/**
 * The ignore file and the scenario folder names come from the pull request: the check ends, with a finding, on any
 * of them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Finding } from '../../../src/ground/findings.ts';
import { MAX_IGNORE_FILE_BYTES, checkModelFolder } from '../../../src/validate/model-folder.ts';
import { callGuarded } from './guarded.ts';

/** A model folder `<tmp>/paris` with a Dockerfile, the given ignore file and scenario folders. */
function modelWith(ignore: string, scenarios: readonly string[]): string {
  const model = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'model-hostile-')), 'paris');
  fs.mkdirSync(model);
  fs.writeFileSync(path.join(model, 'Dockerfile'), 'FROM scratch\n');
  fs.writeFileSync(path.join(model, 'Dockerfile.dockerignore'), ignore);
  for (const name of scenarios) fs.mkdirSync(path.join(model, 'scenarios', name), { recursive: true });
  return model;
}

const findings = (model: string) =>
  checkModelFolder(model, 'paris').map((finding) => `${finding.severity} ${finding.rule}${finding.line ? `@${finding.line}:${finding.column}` : ''}`);

describe('a hostile ignore file or scenario names', () => {
  const longNames = ['base', ...[1, 2, 3].map((n) => `${'a'.repeat(200)}${n}`)];

  it('a line of many "*" against long scenario names: the scenarios it does not exclude are reported', async () => {
    const model = modelWith(`paris/scenarios/base\nparis/scenarios/${'*a'.repeat(40)}*b\n`, longNames);
    // In a worker, stopped if it does not end (as with the backtracking matcher).
    const result = await callGuarded<Finding[]>(new URL('../../../src/validate/model-folder.ts', import.meta.url), 'checkModelFolder', [model, 'paris']);
    assert.deepEqual(result.map((finding) => `${finding.severity} ${finding.rule}`), ['warning model/scenarios-in-image']);
    assert.match(result[0].message, new RegExp(`does not exclude paris/scenarios/a{200}1`));
  });

  it('the same line matching every long name: nothing to report', () => {
    const model = modelWith(`paris/scenarios/base\nparis/scenarios/${'*a'.repeat(40)}*\n`, longNames);
    assert.deepEqual(findings(model), []);
  });

  it('an ignore file larger than 64 KiB: a warning, and no check', () => {
    const ignore = `paris/scenarios/*\n${`${'*a'.repeat(40)}\n`.repeat(Math.ceil(MAX_IGNORE_FILE_BYTES / 81))}`;
    assert.ok(Buffer.byteLength(ignore) > MAX_IGNORE_FILE_BYTES);
    assert.deepEqual(findings(modelWith(ignore, longNames)), ['warning model/ignore-file-too-large']);
  });

  it('an ignore file just under 64 KiB of star-heavy lines against long names: a warning that it was not checked', () => {
    const lines = ['paris/scenarios/*'];
    while (lines.join('\n').length < MAX_IGNORE_FILE_BYTES - 200) lines.push(`paris/scenarios/${'*?'.repeat(40)}[0-9]b`);
    const names = ['base', ...Array.from({ length: 50 }, (_, n) => `${'a'.repeat(200)}${n}`)];
    const result = checkModelFolder(modelWith(`${lines.join('\n')}\n`, names), 'paris');
    assert.deepEqual(result.map((finding) => finding.rule), ['model/ignore-file-too-complex']);
    assert.match(result[0].message, /did not check/);
  });

  it('a pattern Docker refuses: a warning at its line, and the other lines still count', () => {
    const model = modelWith('**/*.pyc\n  paris/[scenarios\nparis/scenarios/*\n', ['base']);
    const result = checkModelFolder(model, 'paris');
    assert.deepEqual(findings(model), ['warning model/ignore-pattern-invalid@2:3']);
    assert.match(result[0].message, /"\[" is never closed/);
  });

  it('braces are not Docker syntax: "paris/scenarios/{base,lyon}" excludes neither', () => {
    const model = modelWith('paris/scenarios/{base,lyon}\n', ['base', 'lyon']);
    assert.deepEqual(findings(model), ['warning model/scenarios-in-image']);
  });
});
