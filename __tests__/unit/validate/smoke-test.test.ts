import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_SMOKE_INPUT_BYTES, checkSmokeTest, loadSmokeTest } from '../../../src/validate/smoke-test.ts';

function file(content: string | Buffer, name = 'smoke.json'): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-test-'));
  const target = path.join(folder, name);
  fs.writeFileSync(target, content);
  return target;
}

const brief = (findings: ReturnType<typeof checkSmokeTest>) => findings.map(({ severity, rule, line, column }) => ({ severity, rule, line, column }));

test('a JSON object with scenario_path_S3: no finding, and the text as written', () => {
  const text = '{\n  "scenario_path_S3": "base/",\n  "launcher_arg": {"training_folder": "/tmp"}\n}\n';
  assert.deepEqual(loadSmokeTest(file(text)), { text, findings: [] });
});

test('a missing file, a folder: an error naming input smoke-test', () => {
  const missing = path.join(os.tmpdir(), `no-such-smoke-${process.pid}.json`);
  const [finding] = checkSmokeTest(missing);
  assert.equal(finding.rule, 'smoke/missing');
  assert.equal(finding.file, missing);
  assert.match(finding.message, /input `smoke-test` names it/);
  assert.equal(checkSmokeTest(os.tmpdir())[0].rule, 'smoke/not-a-file');
});

test('a FIFO is refused without being opened (opening one waits for a writer)', { skip: process.platform === 'win32' }, () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-fifo-'));
  const fifo = path.join(folder, 'smoke.json');
  execFileSync('mkfifo', [fifo]);
  assert.equal(checkSmokeTest(fifo)[0].rule, 'smoke/not-a-file');
});

test('larger than 256 KiB: an error, the file not read', () => {
  const big = file(`{"a": "${'x'.repeat(MAX_SMOKE_INPUT_BYTES)}"}`);
  const result = loadSmokeTest(big);
  assert.equal(result.text, undefined);
  assert.deepEqual(brief(result.findings), [{ severity: 'error', rule: 'smoke/too-large', line: undefined, column: undefined }]);
  assert.match(result.findings[0].message, /at most 262144 bytes \(256 KiB\)/);
  assert.deepEqual(checkSmokeTest(file(`{"scenario_path_S3": "${'x'.repeat(MAX_SMOKE_INPUT_BYTES - 24)}"}`)), [], 'exactly 256 KiB is fine');
});

test('broken JSON: an error at the line and column of the mistake', () => {
  const findings = checkSmokeTest(file('{\n  "scenario_path_S3": "base/",\n  "x": [1, 2\n}\n'));
  assert.deepEqual(brief(findings), [{ severity: 'error', rule: 'smoke/json-syntax', line: 4, column: 1 }]);
  assert.match(findings[0].message, /^smoke\.json is not valid JSON at "}": CommaExpected/);
  assert.equal(checkSmokeTest(file('  \n'))[0].rule, 'smoke/json-syntax');
  assert.match(checkSmokeTest(file(''))[0].message, /is empty/);
  assert.equal(brief(checkSmokeTest(file('{"a": 1} // note')))[0].column, 10, 'no comments: Step Functions takes JSON only');
});

test('broken JSON nested past what the parser recurses into: one finding at the bracket, no crash', () => {
  const findings = checkSmokeTest(file(`${'['.repeat(100_000)}x`));
  assert.deepEqual(brief(findings), [{ severity: 'error', rule: 'smoke/json-syntax', line: 1, column: 257 }]);
  assert.match(findings[0].message, /nests too deep/);
});

test('valid JSON nested deep is read (JSON.parse does not recurse); not an object, so an error', () => {
  const findings = checkSmokeTest(file(`${'['.repeat(50_000)}${']'.repeat(50_000)}`));
  assert.deepEqual(brief(findings), [{ severity: 'error', rule: 'smoke/not-an-object', line: 1, column: 1 }]);
});

test('not an object: an array, a string, null', () => {
  for (const [text, kind] of [['\n [1]', 'an array'], ['"base/"', 'a string'], ['null', 'null']] as const) {
    const [finding] = checkSmokeTest(file(text));
    assert.equal(finding.rule, 'smoke/not-an-object');
    assert.match(finding.message, new RegExp(`holds ${kind}: the execution input of the smoke run must be a JSON object`));
  }
  assert.deepEqual(brief(checkSmokeTest(file('\n [1]'))), [{ severity: 'error', rule: 'smoke/not-an-object', line: 2, column: 2 }]);
});

test('no scenario_path_S3, or not a string: a warning (the file is still used)', () => {
  const missing = loadSmokeTest(file('{"launcher_arg": {}}'));
  assert.equal(missing.text, '{"launcher_arg": {}}');
  assert.deepEqual(brief(missing.findings), [{ severity: 'warning', rule: 'smoke/no-scenario-path', line: 1, column: 1 }]);
  assert.match(missing.findings[0].message, /has no "scenario_path_S3"/);
  const nested = checkSmokeTest(file('{"metadata": {"scenario_path_S3": "base/"}}'));
  assert.equal(nested[0].rule, 'smoke/no-scenario-path', 'only the top level counts');
  const wrongType = checkSmokeTest(file('{\n  "scenario_path_S3": 42\n}'));
  assert.deepEqual(brief(wrongType), [{ severity: 'warning', rule: 'smoke/scenario-path-type', line: 2, column: 23 }]);
});

test('a byte-order mark: a warning, and the text without it', () => {
  const result = loadSmokeTest(file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"scenario_path_S3": "base/"}')])));
  assert.equal(result.text, '{"scenario_path_S3": "base/"}');
  assert.deepEqual(brief(result.findings), [{ severity: 'warning', rule: 'smoke/byte-order-mark', line: 1, column: 1 }]);
});

test('foreign text in a syntax error is printable', () => {
  const [finding] = checkSmokeTest(file('{"a": \u001b[31mred}'));
  assert.equal(finding.rule, 'smoke/json-syntax');
  assert.ok(!finding.message.includes('\u001b'), finding.message);
});
