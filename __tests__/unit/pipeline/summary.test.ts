import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { RunResult } from '../../../src/pipeline/run.ts';
import { findingLocation, renderSummary } from '../../../src/pipeline/summary.ts';

const workspace = path.resolve('/runner/work/model');
const file = (name: string) => path.join(workspace, 'paris', name);

function result(overrides: Partial<RunResult> = {}): RunResult {
  return {
    mode: 'deploy',
    validation: {
      findings: [
        { severity: 'warning', rule: 'model/base-scenario-missing', file: file('scenarios'), message: 'No base | scenario.' },
        { severity: 'error', rule: 'asl/next-target', file: file('step-functions.json'), line: 12, column: 9, message: 'Next goes to "B".' },
      ],
      names: { bucket: { value: 'quetzal-paris', source: '.env line 1 (AWS_ECR_REPO_NAME)' } },
    },
    kind: { value: 'lambda', source: 'it has step-functions.json' },
    definitionFile: file('step-functions.json'),
    steps: [
      { step: 'image', status: 'built and pushed', seconds: 12.34, details: [['Image', 'repo@sha256:abc']], outputs: {} },
      { step: 'scenarios', status: 'synced', details: [], outputs: {}, markdown: '| Prefix | Result |\n| --- | --- |\n| `base/` | synced |' },
    ],
    outputs: {},
    seconds: 20.5,
    ...overrides,
  };
}

describe('the job summary', () => {
  it('says the verdict, the names and where they came from, the findings sorted by place, and each step', () => {
    const markdown = renderSummary(result(), workspace, '1.2.3');
    assert.match(markdown, /^## Quetzal deploy — deploy\n\n✅ Success\n/);
    assert.match(markdown, /\| S3 bucket \| `quetzal-paris` \| \.env line 1 \(AWS_ECR_REPO_NAME\) \|\n/);
    assert.match(markdown, /### Validation: 1 errors, 1 warnings, 0 notices/);
    const errorRow = markdown.indexOf('`paris/step-functions.json:12:9`');
    const warningRow = markdown.indexOf('`paris/scenarios`');
    assert.ok(errorRow > 0 && warningRow > 0);
    assert.match(markdown, /No base \\\| scenario\./, 'a | in a message does not break the table');
    assert.match(markdown, /### image: built and pushed \(12\.3 s\)\n\n\| \| \|\n\| --- \| --- \|\n\| Image \| repo@sha256:abc \|/);
    assert.match(markdown, /### scenarios: synced\n\n\| Prefix \| Result \|/);
    assert.match(markdown, /<sub>quetzal\/deploy-action 1\.2\.3 · 20\.5 s<\/sub>/);
  });

  it('leads with the failure and its hint', () => {
    const markdown = renderSummary(result({ failure: { message: 'Preflight failed.', hint: 'Create the bucket.' } }), workspace, '1.2.3');
    assert.match(markdown, /❌ Preflight failed\./);
    assert.match(markdown, /> Create the bucket\./);
  });

  it('links each resource to the AWS console once the account is known', () => {
    const markdown = renderSummary(result({ consoleLinks: { bucket: 'https://s3.console.aws.amazon.com/s3/buckets/quetzal-paris?region=ca-central-1' } }), workspace, '1.2.3');
    assert.match(markdown, /\| Resource \| Name \| From \| Console \|/);
    assert.match(markdown, /\| S3 bucket \| `quetzal-paris` \| [^|]+ \| \[open\]\(https:\/\/s3\.console\.aws\.amazon\.com\/s3\/buckets\/quetzal-paris\?region=ca-central-1\) \|/);
  });

  it('names an input problem without a file', () => {
    assert.equal(findingLocation({ severity: 'error', rule: 'names/missing', file: '', message: 'x' }, workspace), '(inputs)');
  });

  it('draws the pipeline, the state with an error marked, and in a plan the changed states; none without a definition', () => {
    const definitionText = '{\n  "StartAt": "A",\n  "States": {\n    "A": { "Type": "Pass", "Next": "B" },\n    "B": { "Type": "Succeed" }\n  }\n}';
    const validation = { ...result().validation, definitionText };
    validation.findings = [{ severity: 'error', rule: 'asl/x', file: file('step-functions.json'), line: 4, message: 'A is wrong.' }];
    const deployed = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', End: true } } };
    const planned = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } } };
    const markdown = renderSummary(result({ validation, comparison: { deployed, planned } }), workspace, '1.2.3');
    assert.match(markdown, /### The pipeline\n\n```mermaid\nflowchart TD\n/);
    assert.match(markdown, /^ {2}class s1 error$/m);
    assert.match(markdown, /^ {2}class s2 changed$/m);
    assert.match(markdown, /^🟥 error · 🟦 changed$/m);
    assert.doesNotMatch(renderSummary(result(), workspace, '1.2.3'), /### The pipeline/);
  });

  it('in a rollback, draws the release\'s definition, not the checkout\'s', () => {
    const deployed = { StartAt: 'New', States: { New: { Type: 'Succeed' } } };
    const planned = { StartAt: 'Old', States: { Old: { Type: 'Succeed' } } };
    const validation = { ...result().validation, definitionText: JSON.stringify(deployed) };
    const markdown = renderSummary(result({ rollbackTo: 'v1.0.0', validation, comparison: { deployed, planned } }), workspace, '1.2.3');
    assert.match(markdown, /s1\(\["Old"\]\)/);
    assert.match(markdown, /subgraph qRemoved \["removed"\]\n {4}s\d+\["New"\]/);
  });
});
