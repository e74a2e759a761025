/**
 * A pull request's validate run on models made to hang or crash it: the bundled action ends with the positioned
 * error annotation. (The 60 s guard only keeps the suite from hanging: how fast is measured by bench/hostile.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, copyModel, startAction, type ActionRun } from '../helpers/action.ts';

const FIXTURES = path.join(ROOT, '__tests__', 'fixtures', 'models');
const NO_AWS = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
const GUARD_MS = 60_000;

/** The validate run of a copy of the paris model with `edit` applied; killed (and failed) past the guard. */
async function validateHostile(edit: (model: string) => void): Promise<ActionRun> {
  const { workspace, model } = copyModel(path.join(FIXTURES, 'paris'));
  edit(model);
  const action = startAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris', mode: 'validate' }, env: NO_AWS });
  const guard = setTimeout(() => action.child.kill('SIGKILL'), GUARD_MS);
  try {
    const run = await action.done;
    assert.notEqual(run.exitCode, 137, `the validate run was still going after ${GUARD_MS / 1000} s`);
    return run;
  } finally {
    clearTimeout(guard);
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** `rule file:line:col` of the error annotations. */
const errors = (run: ActionRun) =>
  run.annotations.filter((annotation) => annotation.level === 'error' && annotation.file).map((annotation) => `${annotation.title} ${annotation.file}:${annotation.line}:${annotation.col}`);

/** Replaces the definition's first `"Next": ...` line with `line`, and returns its line number. */
function replaceNextLine(model: string, line: string): number {
  const file = path.join(model, 'step-functions.json');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((text) => text.includes('"Next"'));
  lines.splice(index, 0, line);
  fs.writeFileSync(file, lines.join('\n'));
  return index + 1;
}

describe('validate mode on hostile models', () => {
  it('100,000 nested arrays: a json/too-deep error at the first bracket past the limit', async () => {
    let line = 0;
    const prefix = '      "Comment": ';
    const run = await validateHostile((model) => {
      line = replaceNextLine(model, `${prefix}${'['.repeat(100_000)}${']'.repeat(100_000)},`);
    });
    assert.equal(run.exitCode, 1, run.stdout.slice(-2000) + run.stderr.slice(-2000));
    // "Comment" sits in a state: the machine, "States" and the state are three levels already.
    assert.deepEqual(errors(run), [`json/too-deep paris/step-functions.json:${line}:${prefix.length + 1 + 256 - 3}`]);
  });

  it('a 600 KB line of escaped quotes before "# TO EDIT": a template/to-edit error at the "#"', async () => {
    let line = 0;
    const text = `      "Comment": "${'\\"'.repeat(300_000)}", `;
    const run = await validateHostile((model) => {
      line = replaceNextLine(model, `${text}# TO EDIT`);
    });
    assert.equal(run.exitCode, 1, run.stdout.slice(-2000) + run.stderr.slice(-2000));
    assert.deepEqual(errors(run), [`template/to-edit paris/step-functions.json:${line}:${text.length + 1}`]);
    assert.match(run.annotations.find((annotation) => annotation.title === 'template/to-edit')!.message, /edit the value of "Comment"/);
  });

  it('a star-heavy ignore line against long scenario names: the template note error, and the scenarios let in', async () => {
    const note = `paris/scenarios/${'*a'.repeat(40)}*b   `;
    const run = await validateHostile((model) => {
      fs.writeFileSync(path.join(model, 'Dockerfile.dockerignore'), `**/*.pyc\n${note}<-- TO EDIT.\n`);
      for (const n of [1, 2, 3]) fs.mkdirSync(path.join(model, 'scenarios', `${'a'.repeat(200)}${n}`));
    });
    assert.equal(run.exitCode, 1, run.stdout.slice(-2000) + run.stderr.slice(-2000));
    assert.deepEqual(errors(run), [`template/to-edit paris/Dockerfile.dockerignore:2:${note.length + 1}`]);
    const warning = run.annotations.find((annotation) => annotation.title === 'model/scenarios-in-image');
    assert.match(warning?.message ?? '', /does not exclude paris\/scenarios\//);
  });
});
