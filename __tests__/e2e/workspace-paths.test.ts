/**
 * Paths the inputs give are the repository's words, so foreign: a model folder, definition or env file outside
 * the workspace (GITHUB_WORKSPACE; the CLI's working folder) is refused before anything is read from it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, NO_AWS, CLI, errorMessages, runAction, spawnNode } from '../helpers/action.ts';

/** The name the model outside the workspace gives its resources: seen in any output once its .env is read. */
const SENTINEL = 'quetzal-elsewhere-sentinel';

// <root>/workspace/paris (the repository's model) and <root>/elsewhere (a valid model beside the workspace).
const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'workspace-paths-')));
const workspace = path.join(root, 'workspace');
const elsewhere = path.join(root, 'elsewhere');
fs.cpSync(path.join(FIXTURES, 'paris'), path.join(workspace, 'paris'), { recursive: true });
fs.cpSync(path.join(FIXTURES, 'paris'), elsewhere, { recursive: true });
fs.writeFileSync(path.join(elsewhere, '.env'), `AWS_ECR_REPO_NAME=${SENTINEL}\n`);
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** Everything a run showed: stdout, stderr, outputs and summary. */
const everything = (run: { stdout: string; stderr: string; outputs?: Record<string, string>; summary?: string }) =>
  [run.stdout, run.stderr, JSON.stringify(run.outputs ?? {}), run.summary ?? ''].join('\n');

describe('inputs naming paths outside the workspace', () => {
  it('the model outside, validated from its own workspace, shows its names (the check below can see a read)', async () => {
    const run = await runAction({ workspace: root, eventName: 'pull_request', inputs: { 'model-folder': 'elsewhere' }, env: NO_AWS });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.equal(run.outputs.bucket, SENTINEL);
  });

  it('model-folder: ../elsewhere fails with one error naming the input, its value and the workspace; nothing of it is read', async () => {
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': '../elsewhere' }, env: NO_AWS });
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    const errors = run.annotations.filter((annotation) => annotation.level === 'error');
    assert.equal(errors.length, 1, errorMessages(run));
    assert.equal(errors[0].file, undefined);
    assert.match(errors[0].message, new RegExp(`^Input \`model-folder\` is "\\.\\./elsewhere", which is outside the workspace ${workspace} \\(it resolves to ${elsewhere}\\): give a path inside the workspace`));
    assert.doesNotMatch(everything(run), new RegExp(SENTINEL));
    assert.deepEqual(run.outputs, {});
  });

  it('definition: /etc/passwd fails with one error naming the input; the file is not read', async () => {
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris', definition: '/etc/passwd' }, env: NO_AWS });
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    const errors = run.annotations.filter((annotation) => annotation.level === 'error');
    assert.equal(errors.length, 1, errorMessages(run));
    assert.match(errors[0].message, new RegExp(`^Input \`definition\` is "/etc/passwd", which is outside the workspace ${workspace} `));
    assert.doesNotMatch(everything(run), /root:|nologin|\/bin\/(ba)?sh/);
    assert.deepEqual(run.outputs, {});
  });

  it("the model's own .env as a link to a file outside is refused, naming env-file", async () => {
    const linked = path.join(root, 'linked');
    fs.mkdirSync(linked);
    fs.cpSync(path.join(FIXTURES, 'paris'), path.join(linked, 'paris'), { recursive: true });
    fs.rmSync(path.join(linked, 'paris', '.env'));
    fs.symlinkSync(path.join(elsewhere, '.env'), path.join(linked, 'paris', '.env'));
    const run = await runAction({ workspace: linked, eventName: 'pull_request', inputs: { 'model-folder': 'paris' }, env: NO_AWS });
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    assert.match(errorMessages(run), /^Input `env-file` is not set \(default \S+\/paris\/\.env\), which resolves through a symbolic link to \S+\/elsewhere\/\.env, outside the workspace /);
    assert.doesNotMatch(everything(run), new RegExp(SENTINEL));
  });

  it('the CLI refuses a model folder outside its working folder the same way', async () => {
    const env = { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } as Record<string, string>;
    const run = await spawnNode([CLI, 'validate', '../elsewhere'], env, workspace);
    assert.equal(run.exitCode === 0, false, run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /Input `model-folder` is "\.\.\/elsewhere", which is outside the workspace /);
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(SENTINEL));
  });
});
