/** validateModel sizes each file of the pull request before it reads it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseModelSettings } from '../../../src/ground/settings/model.ts';
import type { Finding } from '../../../src/ground/findings.ts';
import { MAX_FINDINGS_PER_FILE, type ValidationResult, validateModel } from '../../../src/validate/index.ts';
import { callGuarded } from './guarded.ts';

/** A valid model `<workspace>/paris`, with the given files replaced. */
function model(files: Record<string, string> = {}) {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-hostile-'));
  const folder = path.join(workspace, 'paris');
  const all: Record<string, string> = {
    '.env': 'AWS_ECR_REPO_NAME=quetzal-paris\n',
    Dockerfile: 'FROM scratch\n',
    'Dockerfile.dockerignore': 'paris/scenarios/*\n',
    'scenarios/base/params.json': '{}',
    'step-functions.json': '{ "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true } } }\n',
    ...files,
  };
  for (const [name, content] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    fs.writeFileSync(path.join(folder, name), content);
  }
  const config = parseModelSettings((name) => (name === 'model-folder' ? 'paris' : name === 'mode' ? 'validate' : ''), { workspace });
  return { folder, config };
}

const where = (findings: readonly Finding[]) =>
  findings.map((finding) => `${finding.rule}${finding.line === undefined ? '' : `@${finding.line}:${finding.column}`} ${path.basename(finding.file)}`);

describe('files of any size', () => {
  it('a 62 MB definition: one asl/size error naming it, and it is not read', async () => {
    const { folder, config } = model();
    // A sparse file of zero bytes: read, it would be a JSON syntax error.
    fs.truncateSync(path.join(folder, 'step-functions.json'), 62 * 1024 * 1024);
    const result = await validateModel(config);
    assert.deepEqual(where(result.findings), ['asl/size@1:1 step-functions.json']);
    assert.match(result.findings[0].message, /^The definition step-functions\.json is 65011712 bytes; Step Functions accepts at most 1048576 bytes/);
    assert.equal(result.definitionText, undefined);
  });

  it('a definition of 1 MB plus a byte-order mark is read (AWS never sees the mark)', async () => {
    const text = `{ "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true } }, "Comment": "${'x'.repeat(1024 * 1024 - 100)}" }`;
    const padded = text.replace('"Comment": "', `"Comment": "${'y'.repeat(1024 * 1024 - Buffer.byteLength(text))}`);
    assert.equal(Buffer.byteLength(padded), 1024 * 1024);
    const { config } = model({ 'step-functions.json': `\uFEFF${padded}` });
    const result = await validateModel(config);
    assert.deepEqual(where(result.findings), ['definition/byte-order-mark@1:1 step-functions.json']);
  });

  it('a definition of 500,000 broken lines: the first 1,000 errors, then one saying how many more', async () => {
    const { config } = model({ 'step-functions.json': '@\n'.repeat(500_000) });
    const { findings } = await validateModel(config);
    const definition = findings.filter((finding) => finding.file === config.definitionFile);
    assert.equal(definition.length, MAX_FINDINGS_PER_FILE + 1);
    assert.deepEqual(where(definition.slice(-2)), ['json/syntax@1000:1 step-functions.json', 'findings/more@1001:1 step-functions.json']);
    assert.equal(definition[MAX_FINDINGS_PER_FILE].severity, 'error');
    assert.match(definition[MAX_FINDINGS_PER_FILE].message, /^499001 more findings in this file, from here on, are not listed \(499001 errors\)/);
  });

  it('a .env larger than 1 MiB: one names/env-too-large error, and it is not parsed', async () => {
    const { config } = model({ '.env': `AWS_ECR_REPO_NAME=quetzal-paris\n${'# padding\n'.repeat(110_000)}` });
    const result = await validateModel(config);
    assert.deepEqual(where(result.findings), ['names/env-too-large .env']);
    assert.match(result.findings[0].message, /^\.env is 1100032 bytes/);
  });

  it('a .env of 1 MB of blank lines: one positioned error, and it is not parsed', async () => {
    const { config } = model({ '.env': `# the model\n${'\n'.repeat(1000_000)}# its name\nAWS_ECR_REPO_NAME=quetzal-paris\n` });
    // In a worker, stopped if it does not end (dotenv alone would take some 20 minutes over this file).
    const result = await callGuarded<ValidationResult>(new URL('../../../src/validate/index.ts', import.meta.url), 'validateModel', [config]);
    assert.deepEqual(where(result.findings), ['names/env-blank-lines@2:1 .env']);
    assert.match(result.findings[0].message, /has 1000000 blank lines in a row from here/);
  });

  it('a .env that is a link to a device that never ends: too large, after 1 MiB read', { skip: !fs.existsSync('/dev/zero') }, async () => {
    const { folder, config } = model();
    fs.rmSync(path.join(folder, '.env'));
    fs.symlinkSync('/dev/zero', path.join(folder, '.env'));
    // The config refuses such a link; validateModel does not depend on it to end.
    const result = await validateModel({ ...config, envFile: path.join(folder, '.env') });
    assert.deepEqual(where(result.findings), ['names/env-too-large .env']);
    assert.match(result.findings[0].message, /^\.env is more than 1048576 bytes/);
  });
});
