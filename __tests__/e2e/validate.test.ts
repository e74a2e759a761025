/**
 * `mode: validate` as a pull request runs it: the bundled action, no AWS credentials, annotations on exact lines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, NO_AWS, CLI, ROOT, copyModel, runAction, spawnNode } from '../helpers/action.ts';


describe('validate mode, the pull-request check', () => {
  it('passes a valid model with no AWS credentials, and says where each name came from', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris' }, env: NO_AWS });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.deepEqual(run.annotations.filter((annotation) => annotation.level === 'error'), []);
    assert.equal(run.outputs.errors, '0');
    assert.equal(run.outputs.bucket, 'quetzal-paris');
    assert.equal(run.outputs['state-machine'], 'quetzal-paris');
    assert.match(run.summary, /## Quetzal deploy — validate/);
    assert.match(run.summary, /\| S3 bucket \| `quetzal-paris` \| \.env line 1 \(AWS_ECR_REPO_NAME\), which names every resource \|/);
  });

  it('puts one error on each line of the unedited template that needs editing', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'template'), 'paris');
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris' }, env: NO_AWS });
    assert.equal(run.exitCode, 1);
    assert.match(run.stdout, /::error::Validation found \d+ errors/);

    const template = fs.readFileSync(path.join(FIXTURES, 'template', 'step-functions.json'), 'utf8').split('\n');
    const toEditLines = template.flatMap((line, index) => (line.includes('# TO EDIT') ? [index + 1] : []));
    const definitionErrors = run.annotations.filter((a) => a.level === 'error' && a.file === 'paris/step-functions.json');
    for (const line of toEditLines) {
      assert.ok(definitionErrors.some((annotation) => annotation.line === line && annotation.col !== undefined), `no error on line ${line}`);
    }
    const envErrors = run.annotations.filter((a) => a.level === 'error' && a.file === 'paris/.env');
    assert.deepEqual(envErrors.map((annotation) => [annotation.line, annotation.col]), [[1, 19], [2, 26], [3, 17]]);
    assert.match(envErrors[0].message, /<model_name>/);
    const ignoreErrors = run.annotations.filter((a) => a.level === 'error' && a.file === 'paris/Dockerfile.dockerignore');
    assert.deepEqual([...new Set(ignoreErrors.map((annotation) => annotation.line))], [10, 11]);
  });

  it('errors on the exact line of a notebook that does not exist', async () => {
    const { workspace, model } = copyModel(path.join(FIXTURES, 'paris'));
    fs.rmSync(path.join(model, 'notebooks', 'transport', 'A20_STEP_2.ipynb'));
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris' }, env: NO_AWS });
    assert.equal(run.exitCode, 1);
    const line = fs.readFileSync(path.join(model, 'step-functions.json'), 'utf8').split('\n').findIndex((text) => text.includes('A20_STEP_2')) + 1;
    const errors = run.annotations.filter((annotation) => annotation.level === 'error' && annotation.file === 'paris/step-functions.json');
    assert.equal(errors.length, 1, JSON.stringify(run.annotations));
    assert.equal(errors[0].line, line);
    assert.match(errors[0].message, /A20_STEP_2\.ipynb/);
  });

  it('fails on warnings only when fail-on-warnings is true', async () => {
    const { workspace, model } = copyModel(path.join(FIXTURES, 'paris'));
    fs.rmSync(path.join(model, 'scenarios', 'base'), { recursive: true });
    const lenient = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris' }, env: NO_AWS });
    assert.equal(lenient.exitCode, 0);
    assert.ok(lenient.annotations.some((annotation) => annotation.level === 'warning' && /base/.test(annotation.message)));
    const strict = await runAction({
      workspace,
      eventName: 'pull_request',
      inputs: { 'model-folder': 'paris', 'fail-on-warnings': 'true' },
      env: NO_AWS,
    });
    assert.equal(strict.exitCode, 1);
    assert.match(strict.stdout, /fail-on-warnings/);
  });

  it('reports a broken definition and writes nothing when asked to deploy', async () => {
    const { workspace, model } = copyModel(path.join(FIXTURES, 'paris'));
    fs.writeFileSync(path.join(model, 'step-functions.json'), '{ "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true } }');
    const run = await runAction({ workspace, eventName: 'push', inputs: { 'model-folder': 'paris' }, env: NO_AWS });
    assert.equal(run.exitCode, 1);
    assert.ok(run.annotations.some((annotation) => annotation.level === 'error' && annotation.file === 'paris/step-functions.json'));
    assert.match(run.stdout, /Nothing was written to AWS/);
  });

  it('names the input when an input is wrong', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    const run = await runAction({ workspace, inputs: { 'model-folder': 'paris', mode: 'ship-it' }, env: NO_AWS });
    assert.equal(run.exitCode, 1);
    assert.match(run.stdout, /::error::Input `mode` is "ship-it": use one of auto, validate, plan, deploy, rollback\./);
  });

  it('checks every input in every mode, and gives the input error its hint', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris', 'lock-timeout-minutes': 'soon' }, env: NO_AWS });
    assert.equal(run.exitCode, 1);
    assert.match(run.stdout, /::error::Input `lock-timeout-minutes` is "soon"[^\n]*Use 0 to fail at once when another deploy of the model runs\./);
  });
});

describe('the CLI, the same engine on a laptop', () => {
  it('prints file:line:col: severity: message and exits 1 on errors', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'template'), 'paris');
    const env = { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } as Record<string, string>;
    const run = await spawnNode([CLI, 'validate', 'paris'], env, workspace);
    assert.equal(run.exitCode, 1);
    assert.match(run.stdout, /^paris\/\.env:1:19: error: .*<model_name>/m);
    assert.match(run.stdout, /^paris\/step-functions\.json:\d+:\d+: error: /m);
  });

  it('exits 0 on a valid model', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    const run = await spawnNode([CLI, 'validate', 'paris'], process.env as Record<string, string>, workspace);
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /paris: validate passed \(0 errors/);
  });
});

describe('files saved by Windows editors', () => {
  it('reads a .env and a definition with a byte-order mark and CRLF line ends, warning about the mark', async () => {
    const { workspace, model } = copyModel(path.join(FIXTURES, 'paris'));
    const definition = path.join(model, 'step-functions.json');
    fs.writeFileSync(definition, `\uFEFF${fs.readFileSync(definition, 'utf8').replace(/\n/g, '\r\n')}`);
    fs.writeFileSync(path.join(model, '.env'), '\uFEFFAWS_ECR_REPO_NAME=quetzal-paris\r\n');
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris' }, env: NO_AWS });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(run.outputs.bucket, 'quetzal-paris');
    const warnings = run.annotations.filter((annotation) => annotation.level === 'warning');
    assert.deepEqual(warnings.map((warning) => [warning.file, warning.line, warning.title]), [['paris/step-functions.json', 1, 'definition/byte-order-mark']]);
  });
});

describe('the two kinds of model', () => {
  it('finds a Lambda model by its step-functions.json, and says so', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris' }, env: NO_AWS });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.match(run.summary, /A \*\*Lambda model\*\*: one notebook per Lambda invocation, chained by the state machine \(it has step-functions\.json\)/);
  });

  it('validates an ECS model (steps.json, no step-functions.json) with no finding about a definition', async () => {
    const { workspace, model } = copyModel(path.join(ROOT, 'example', 'quetzal-example'));
    fs.rmSync(path.join(model, 'step-functions.json'));
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'quetzal-example' }, env: NO_AWS });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.deepEqual(run.annotations.filter((annotation) => annotation.level !== 'notice'), []);
    assert.match(run.summary, /An \*\*ECS model\*\*: every notebook of steps\.json in one ECS task \(it has steps\.json and no step-functions\.json\)/);
    assert.doesNotMatch(run.summary, /### The pipeline/, 'no state machine, no picture');
  });

  it('puts steps.json findings on their lines: a missing notebook, a bad shape', async () => {
    const { workspace, model } = copyModel(path.join(ROOT, 'example', 'quetzal-example'));
    fs.rmSync(path.join(model, 'step-functions.json'));
    const steps = path.join(model, 'steps.json');
    const text = fs.readFileSync(steps, 'utf8').replace('A20_assignment.ipynb', 'A21_gone.ipynb').replace('"name": "outputs",', '"name": 7,');
    fs.writeFileSync(steps, text);
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'quetzal-example' }, env: NO_AWS });
    assert.equal(run.exitCode, 1);
    const errors = run.annotations.filter((annotation) => annotation.level === 'error' && annotation.file === 'quetzal-example/steps.json');
    const lineOf = (needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;
    assert.deepEqual(errors.map((error) => [error.title, error.line]), [['steps/notebook-missing', lineOf('A21_gone')], ['steps/shape', lineOf('"name": 7')]]);
  });

  it('takes input model-kind over what the folder shows', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris', 'model-kind': 'ecs' }, env: NO_AWS });
    assert.match(run.summary, /An \*\*ECS model\*\*.*\(input \\`model-kind\\`\)/);
  });
});

describe('the Dockerfile, against the build the action runs', () => {
  /** Shaped like the backend's templates: the image tag above the install, a file of the backend's checkout copied. */
  const dockerfile = [
    'FROM python:3.12',
    'ARG QUETZAL_MODEL_NAME',
    'ARG IMAGE_TAG',
    'ENV IMAGE_TAG=$IMAGE_TAG',
    'COPY ./${QUETZAL_MODEL_NAME}/requirements.txt .',
    'RUN pip install -r requirements.txt',
    'COPY ./quetzal-network-editor-backend/docker/main_ecs.py .',
    'COPY ./${QUETZAL_MODEL_NAME} .',
    '',
  ].join('\n');

  it('warns at the ARG that busts the cache and errors at the COPY of a file no checkout brought', async () => {
    const { workspace, model } = copyModel(path.join(ROOT, 'example', 'quetzal-example'));
    fs.writeFileSync(path.join(model, 'Dockerfile'), dockerfile);
    const run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'quetzal-example' }, env: NO_AWS });
    assert.equal(run.exitCode, 1);
    const docker = run.annotations.filter((annotation) => annotation.file === 'quetzal-example/Dockerfile');
    assert.deepEqual(docker.map(({ level, title, line }) => [level, title, line]), [['warning', 'docker/cache-busting-arg', 3], ['error', 'docker/copy-source-missing', 7]]);
    assert.match(docker[1].message, /actions\/checkout with `repository: systragroup\/quetzal-network-editor-backend` and `path: quetzal-network-editor-backend`/);

    fs.mkdirSync(path.join(workspace, 'quetzal-network-editor-backend', 'docker'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'quetzal-network-editor-backend', 'docker', 'main_ecs.py'), '');
    const checkedOut = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'quetzal-example' }, env: NO_AWS });
    assert.equal(checkedOut.exitCode, 0, checkedOut.stdout);
    assert.deepEqual(checkedOut.annotations.filter((annotation) => annotation.file === 'quetzal-example/Dockerfile').map(({ title }) => title), ['docker/cache-busting-arg']);
  });
});
