import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../../src/cli/main.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const example = path.join(root, 'example', 'quetzal-example');

function capture() {
  let text = '';
  const stream = new Writable({ write: (chunk, _encoding, done) => ((text += chunk.toString()), done()) });
  return { stream, text: () => text };
}

async function graph(...args: string[]) {
  const out = capture();
  const err = capture();
  const code = await main(['graph', ...args], {}, out.stream, err.stream);
  return { code, stdout: out.text(), stderr: err.text() };
}

/** The example model copied into a workspace of its own, `graph` run there (the CLI's workspace is its folder). */
async function graphOfCopy(change: (definition: string) => string) {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-workspace-'));
  fs.cpSync(example, path.join(workspace, 'model'), { recursive: true });
  const definition = path.join(workspace, 'model', 'step-functions.json');
  fs.writeFileSync(definition, change(fs.readFileSync(definition, 'utf8')));
  const before = process.cwd();
  process.chdir(workspace);
  try {
    return await graph('model');
  } finally {
    process.chdir(before);
  }
}

describe('quetzal-deploy graph', () => {
  it('prints the model\'s state machine as a Mermaid flowchart, each notebook on its step', async () => {
    const run = await graph(example);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^flowchart TD\n/);
    assert.match(run.stdout, /A10_network\.ipynb/);
    assert.match(run.stderr, /\d+ states, 0 errors, 0 warnings marked/);
  });

  it('writes it to the file of --output instead', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'graph-')), 'pipeline.mmd');
    const run = await graph(example, '--output', file);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(fs.readFileSync(file, 'utf8'), /^flowchart TD\n/);
    assert.match(run.stderr, /written to /);
  });

  it('marks the states validation found errors on', async () => {
    const run = await graphOfCopy((text) => text.replace('"Next": "Network"', '"Next": "Nowhere"'));
    assert.equal(run.code, 0, 'the picture is drawn; the findings are on it');
    assert.match(run.stdout, /classDef error /);
    assert.match(run.stdout, /missing: Nowhere/);
  });

  it('says there is nothing to draw when the definition is not JSON, and exits 1', async () => {
    const run = await graphOfCopy(() => 'not json at all');
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /nothing to draw/);
  });
});
