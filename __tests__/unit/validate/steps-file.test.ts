import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkStepsFile, MAX_STEPS_BYTES } from '../../../src/validate/steps-file.ts';

/** A model folder with these notebooks and this steps.json text. */
function model(steps: string | undefined, notebooks: string[] = ['notebooks/A10_network.ipynb', 'notebooks/A20_run.py']): { folder: string; file: string } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'steps-model-'));
  for (const notebook of notebooks) {
    fs.mkdirSync(path.dirname(path.join(folder, notebook)), { recursive: true });
    fs.writeFileSync(path.join(folder, notebook), '{}');
  }
  const file = path.join(folder, 'steps.json');
  if (steps !== undefined) fs.writeFileSync(file, steps);
  return { folder, file };
}

const findings = (steps: string | undefined, required = false, notebooks?: string[]) => {
  const { folder, file } = model(steps, notebooks);
  return checkStepsFile(file, folder, required).map(({ rule, line, column, message }) => ({ rule, line, column, message }));
};

const GOOD = `[
  {
    "name": "default",
    "steps": [
      { "name": "network", "path": "notebooks/A10_network.ipynb" },
      { "name": "run", "path": "notebooks/A20_run.py" }
    ]
  }
]`;

describe('steps.json', () => {
  it("passes the groups of the web app's format whose notebooks exist", () => {
    assert.deepEqual(findings(GOOD), []);
    assert.deepEqual(findings(fs.readFileSync(path.resolve(import.meta.dirname, '../../../example/quetzal-example/steps.json'), 'utf8'), false, [
      'notebooks/transport/A10_network.ipynb', 'notebooks/transport/A20_assignment.ipynb', 'notebooks/outputs/A30_outputs.ipynb',
    ]), []);
  });

  it('is needed by an ECS model only', () => {
    assert.deepEqual(findings(undefined), []);
    const [missing] = findings(undefined, true);
    assert.equal(missing.rule, 'steps/missing');
    assert.match(missing.message, /No steps\.json: an ECS model runs the notebooks its steps\.json lists/);
  });

  it('puts a missing notebook on the line of its path', () => {
    const text = GOOD.replace('A20_run.py', 'A30_gone.ipynb');
    const [finding] = findings(text);
    assert.equal(finding.rule, 'steps/notebook-missing');
    assert.equal(finding.line, 6);
    assert.equal(finding.column, text.split('\n')[5].indexOf('"notebooks/A30_gone.ipynb"') + 1);
    assert.match(finding.message, /Notebook "notebooks\/A30_gone\.ipynb" of step "run" in steps\.json does not exist in the model folder \(looked for notebooks\/A30_gone\.ipynb\)/);
  });

  it('compares notebook names exactly, as on Linux', () => {
    assert.equal(findings(GOOD.replace('A10_network', 'a10_NETWORK'))[0]?.rule, 'steps/notebook-missing');
  });

  it('refuses backslashes, a path outside the model folder and a file that is not a notebook', () => {
    const rules = (replacement: string) => findings(GOOD.replace('notebooks/A20_run.py', replacement)).map((finding) => finding.message);
    assert.match(rules('notebooks\\\\A20_run.py')[0], /with backslashes: the model runs on Linux.*Write "notebooks\/A20_run\.py"/);
    assert.match(rules('../other/A20_run.py')[0], /which is outside the model folder/);
    assert.match(rules('/etc/A20_run.py')[0], /which is outside the model folder/);
    assert.match(rules('notebooks/README.md')[0], /which is not a notebook/);
  });

  it('refuses two steps of a group with one name, and two groups with one name', () => {
    const twice = GOOD.replace('"name": "run"', '"name": "network"');
    assert.deepEqual(findings(twice).map((finding) => [finding.rule, finding.line]), [['steps/duplicate', 6]]);
    const groups = `[${GOOD.slice(1, -1)}, {"name": "default", "steps": []}]`;
    assert.deepEqual(findings(groups).map((finding) => finding.rule), ['steps/duplicate']);
  });

  it('names what is wrong with the shape, where it is', () => {
    const messages = (text: string) => findings(text).map((finding) => `${finding.line}: ${finding.message}`);
    assert.match(messages('{"steps": []}')[0], /^1: steps\.json must be a list of groups, e\.g\. \[\{"name": "default"/);
    assert.deepEqual(messages('[7]'), ['1: Group 1 of steps.json must be an object with a "name" and its "steps", e.g. [{"name": "default", "steps": [{"name": "step 1", "path": "notebooks/A10_step.ipynb"}]}].']);
    assert.deepEqual(messages('[{"name": "default"}]'), ['1: The "steps" of group "default" in steps.json must be a list of steps, each with a "name" and a "path".']);
    assert.deepEqual(messages('[{"steps": [{"path": "notebooks/A20_run.py"}]}]'), [
      '1: Group 1 of steps.json has no "name" (a text, e.g. "default").',
      '1: Step 1 of group 1 in steps.json has no "name" (a text, e.g. "step 1").',
    ]);
    assert.deepEqual(messages('[{"name": "g", "steps": [{"name": 3, "path": ""}]}]'), [
      '1: "name" in steps.json must be a text that is not empty.',
      '1: "path" in steps.json must be a text that is not empty.',
    ]);
    assert.deepEqual(messages('[{"name": "g", "steps": [{"name": "s"}]}]'), ['1: Step "s" of group "g" in steps.json has no "path" (the notebook it runs, e.g. "notebooks/A10_step.ipynb").']);
  });

  it('positions JSON syntax errors, and reads no further', () => {
    const broken = findings('[\n  {"name": "default",\n   "steps": [}\n]');
    assert.ok(broken.length >= 1);
    assert.equal(broken[0].rule, 'steps/json');
    assert.equal(broken[0].line, 3);
  });

  it('reads no file larger than 1 MiB, and leaves a link to the model-links check', () => {
    const big = findings(`[${' '.repeat(MAX_STEPS_BYTES)}]`);
    assert.deepEqual(big.map((finding) => finding.rule), ['steps/too-large']);
    const { folder, file } = model(undefined);
    fs.symlinkSync('/dev/zero', file);
    assert.deepEqual(checkStepsFile(file, folder, true), []);
  });
});
