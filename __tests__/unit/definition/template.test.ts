import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateLargeDefinition } from '../../fixtures/asl/generate-large.ts';
import { validate, where } from './helpers.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/asl');
const templateFile = join(fixtures, 'template/step-functions.json');
const template = readFileSync(templateFile, 'utf8');
const modelFolder = join(fixtures, 'quetzal-model');

describe('the unedited Quetzal template', () => {
  const lines = template.split('\n');
  const toEditLines = lines.flatMap((line, index) => (line.includes('# TO EDIT') ? [index + 1] : []));
  // The notebooks named by the template exist in the fixture model, so only the template leftovers remain.
  const findings = validate(template, { file: templateFile, modelFolder, lambdaFunctionName: 'quetzal-paris' });
  const errors = findings.filter((finding) => finding.severity === 'error');

  it('carries nine "# TO EDIT" lines', () => {
    assert.deepEqual(toEditLines, [11, 39, 41, 47, 52, 74, 76, 82, 87]);
  });

  it('gives one error per "# TO EDIT" line, at the "#", and one per bare <model_name>', () => {
    const expected = [
      `template/placeholder@11:${lines[10].indexOf('<model_name>') + 1}`,
      ...toEditLines.map((line) => `template/to-edit@${line}:${lines[line - 1].indexOf('#') + 1}`),
    ];
    assert.deepEqual(where(errors).sort(), expected.sort());
  });

  it('reports no generic JSON syntax error on those lines', () => {
    assert.equal(errors.filter((error) => error.rule === 'json/syntax').length, 0);
  });

  it('says what to edit on each marked line', () => {
    const message = (line: number) => errors.find((error) => error.line === line && error.rule === 'template/to-edit')!.message;
    assert.match(message(39), /set "Next" to the name of the state that follows/);
    assert.match(message(41), /rename the state "STEP 1"/);
    assert.match(message(47), /"notebook_path"/);
    assert.match(message(52), /"FunctionName"/);
    assert.match(message(11), /"model"/);
    for (const line of toEditLines) assert.match(message(line), /remove the comment/);
  });

  it('tells to replace the bare <model_name> with a quoted model name', () => {
    const placeholder = errors.find((error) => error.rule === 'template/placeholder')!;
    assert.match(placeholder.message, /Replace it with the model name as a quoted string/);
  });

  it('suggests ${Region}/${AccountId} for the hard-coded ARNs, as notices', () => {
    const notices = findings.filter((finding) => finding.rule === 'quetzal/hardcoded-arn');
    assert.deepEqual(notices.map((notice) => notice.line), [17, 52, 87]);
    assert.ok(notices.every((notice) => notice.severity === 'notice'));
  });

  it('also reports the notebooks it names when the model folder lacks them', () => {
    const empty = validate(template, { file: templateFile, modelFolder: '/nonexistent-model' });
    assert.deepEqual(
      empty.filter((finding) => finding.rule === 'quetzal/notebook-missing').map((finding) => finding.line),
      [47, 82],
    );
  });
});

describe('a Quetzal definition edited from the template', () => {
  const file = join(modelFolder, 'step-functions.json');
  const text = readFileSync(file, 'utf8');

  it('gives no finding at all when its notebooks are present', () => {
    assert.deepEqual(validate(text, { file, modelFolder, lambdaFunctionName: 'quetzal-paris' }), []);
  });

  it('gives an error at the exact line when a notebook is missing', () => {
    const broken = text.replace('notebooks/transport/A20_STEP_2.ipynb', 'notebooks/transport/A20_MISSING.ipynb');
    const findings = validate(broken, { file, modelFolder, lambdaFunctionName: 'quetzal-paris' });
    const line = broken.split('\n').findIndex((content) => content.includes('A20_MISSING')) + 1;
    assert.deepEqual(where(findings), [`quetzal/notebook-missing@${line}:28`]);
    assert.equal(findings[0].severity, 'error');
    assert.match(findings[0].message, /Notebook "notebooks\/transport\/A20_MISSING.ipynb" of state "Assignment" does not exist/);
  });

  it('warns when a step calls another function than the model\'s', () => {
    const findings = validate(text, { file, modelFolder, lambdaFunctionName: 'quetzal-lyon' });
    assert.deepEqual(findings.map((finding) => `${finding.severity} ${finding.rule} ${finding.line}`), ['warning quetzal/function-name 70']);
  });
});

describe('the generated 1,000-step definition', () => {
  const folder = mkdtempSync(join(tmpdir(), 'quetzal-large-'));
  after(() => rmSync(folder, { recursive: true, force: true }));
  const large = generateLargeDefinition(1000);

  it('is valid with its notebooks present', () => {
    for (const notebook of large.notebooks) {
      mkdirSync(dirname(join(folder, notebook)), { recursive: true });
      writeFileSync(join(folder, notebook), '{}');
    }
    const findings = validate(large.text, { file: join(folder, 'step-functions.json'), modelFolder: folder, lambdaFunctionName: large.lambdaFunctionName });
    assert.deepEqual(findings, []);
    assert.equal(large.notebooks.length, 1000);
    assert.ok(Buffer.byteLength(large.text) < 1024 * 1024, 'stays under the 1 MB limit');
  });
});
