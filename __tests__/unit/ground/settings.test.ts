import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '../../../src/ground/settings/index.ts';
import { parseModelSettings } from '../../../src/ground/settings/model.ts';
import { InputError } from '../../../src/ground/errors.ts';
import { hasControlCharacter } from '../../../src/ground/printable.ts';

const inputs = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const workspace = path.resolve('/work/space');

describe('inputs parsed once into the model config', () => {
  it('validates on pull requests and deploys otherwise when mode is auto', () => {
    assert.equal(parseModelSettings(inputs({}), { workspace, eventName: 'pull_request' }).mode, 'validate');
    assert.equal(parseModelSettings(inputs({}), { workspace, eventName: 'pull_request_target' }).mode, 'validate');
    assert.equal(parseModelSettings(inputs({}), { workspace, eventName: 'push' }).mode, 'deploy');
    assert.equal(parseModelSettings(inputs({ mode: 'plan' }), { workspace, eventName: 'pull_request' }).mode, 'plan');
  });

  it('resolves the model folder and its files against the workspace', () => {
    const config = parseModelSettings(inputs({ 'model-folder': 'models/paris' }), { workspace });
    assert.equal(config.modelFolder, path.join(workspace, 'models', 'paris'));
    assert.equal(config.modelName, 'paris');
    assert.equal(config.envFile, path.join(workspace, 'models', 'paris', '.env'));
    assert.equal(config.definitionFile, path.join(workspace, 'models', 'paris', 'step-functions.json'));
  });

  it('names the model after the workspace when the model is the repository itself', () => {
    assert.equal(parseModelSettings(inputs({}), { workspace: path.resolve('/w/quetzal-lyon') }).modelName, 'quetzal-lyon');
  });

  it('takes explicit file inputs relative to the workspace', () => {
    const config = parseModelSettings(inputs({ 'model-folder': 'm', 'env-file': 'config/prod.env', definition: 'sfn/def.json' }), { workspace });
    assert.equal(config.envFile, path.join(workspace, 'config', 'prod.env'));
    assert.equal(config.definitionFile, path.join(workspace, 'sfn', 'def.json'));
  });

  it('reads the region from the input, else the environment', () => {
    assert.equal(parseModelSettings(inputs({}), { workspace, environmentRegion: 'ca-central-1' }).region, 'ca-central-1');
    assert.equal(parseModelSettings(inputs({ 'aws-region': 'eu-west-3' }), { workspace, environmentRegion: 'ca-central-1' }).region, 'eu-west-3');
    assert.throws(() => parseModelSettings(inputs({ 'aws-region': 'Canada' }), { workspace }), /Input `aws-region` is "Canada", which is not an AWS region name: use an AWS region name \(like ca-central-1\)/);
    assert.throws(() => parseModelSettings(inputs({}), { workspace, environmentRegion: 'Canada' }), /Input `aws-region` is not set \(default AWS_REGION "Canada"\), which is not an AWS region name/);
  });

  it('reads definition-substitutions as KEY=VALUE lines', () => {
    const config = parseModelSettings(inputs({ 'definition-substitutions': 'AuthFunctionArn=arn:aws:lambda:x\n\n# note\nStage = prod' }), { workspace });
    assert.deepEqual(config.substitutions, { AuthFunctionArn: 'arn:aws:lambda:x', Stage: 'prod' });
    assert.throws(() => parseModelSettings(inputs({ 'definition-substitutions': 'no equals sign' }), { workspace }), InputError);
    assert.throws(() => parseModelSettings(inputs({ 'definition-substitutions': 'A=1\nno equals sign' }), { workspace }), /Input `definition-substitutions` has line 2, which is not KEY=VALUE: write one KEY=VALUE a line\.$/);
    assert.throws(() => parseModelSettings(inputs({ 'definition-substitutions': 'a b=1' }), { workspace }), /Input `definition-substitutions` sets "a b", not a placeholder name/);
  });

  it('refuses an unknown mode or a bad boolean with the accepted values', () => {
    assert.throws(() => parseModelSettings(inputs({ mode: 'ship' }), { workspace }), /Input `mode` is "ship": use one of auto, validate, plan, deploy, rollback\.$/);
    assert.throws(() => parseModelSettings(inputs({ 'fail-on-warnings': 'maybe' }), { workspace }), /Input `fail-on-warnings` is "maybe": use true or false\.$/);
    assert.throws(() => parseModelSettings(inputs({ 'fail-on-warnings': 'yes' }), { workspace }), /Input `fail-on-warnings` is "yes": use true or false\.$/);
  });

  it('reads the one docs folder', () => {
    assert.equal(parseModelSettings(inputs({}), { workspace }).docsFolder, 'docs');
    assert.equal(parseModelSettings(inputs({ 'docs-folder': './doc//site/' }), { workspace }).docsFolder, 'doc/site');
    assert.throws(() => parseModelSettings(inputs({ 'docs-folder': '../docs' }), { workspace }), /Input `docs-folder` is "\.\.\/docs": give a folder inside the model folder/);
    assert.throws(() => parseModelSettings(inputs({ 'docs-folder': '/docs' }), { workspace }), InputError);
  });

  it('keeps name overrides', () => {
    const config = parseModelSettings(inputs({ bucket: ' my-bucket ', 'lambda-function': 'fn' }), { workspace });
    assert.deepEqual(config.nameOverrides, { bucket: 'my-bucket', lambdaFunction: 'fn' });
  });
});

describe('paths outside the workspace are refused (the inputs and the repository are foreign)', () => {
  const refuses = (values: Record<string, string>, context: { workspace: string }, pattern: RegExp) =>
    assert.throws(() => parseModelSettings(inputs(values), context), (error: unknown) => {
      assert.ok(error instanceof InputError, String(error));
      assert.match(error.message, pattern);
      return true;
    });

  it('model-folder going up, or absolute elsewhere, names the input, its value and the workspace', () => {
    refuses({ 'model-folder': '../elsewhere' }, { workspace }, /^Input `model-folder` is "\.\.\/elsewhere", which is outside the workspace \/work\/space \(it resolves to \/work\/elsewhere\): give a path inside the workspace, relative to it \(e\.g\. models\/paris\)\.$/);
    refuses({ 'model-folder': '/etc' }, { workspace }, /^Input `model-folder` is "\/etc", which is outside the workspace \/work\/space /);
    refuses({ 'model-folder': 'models/../../x' }, { workspace }, /`model-folder` is "models\/\.\.\/\.\.\/x", which is outside/);
    refuses({ 'model-folder': '../space-evil' }, { workspace }, /outside the workspace \/work\/space \(it resolves to \/work\/space-evil\)/);
    refuses({ 'model-folder': '..' }, { workspace }, /`model-folder` is "\.\.", which is outside/);
  });

  it('a path inside the workspace is kept, however it is written', () => {
    assert.equal(parseModelSettings(inputs({ 'model-folder': 'models/../paris' }), { workspace }).modelFolder, path.join(workspace, 'paris'));
    assert.equal(parseModelSettings(inputs({ 'model-folder': path.join(workspace, 'paris') }), { workspace }).modelFolder, path.join(workspace, 'paris'));
    assert.equal(parseModelSettings(inputs({ 'model-folder': '.' }), { workspace }).modelFolder, workspace);
    assert.equal(parseModelSettings(inputs({ 'model-folder': './' }), { workspace }).modelFolder, workspace);
  });

  it('definition and env-file outside the workspace are refused, each by its name', () => {
    refuses({ definition: '/etc/passwd' }, { workspace }, /^Input `definition` is "\/etc\/passwd", which is outside the workspace \/work\/space .*e\.g\. models\/paris\/step-functions\.json/);
    refuses({ 'model-folder': 'm', definition: '../def.json' }, { workspace }, /^Input `definition` is "\.\.\/def\.json", which is outside/);
    refuses({ 'env-file': '../../.env' }, { workspace }, /^Input `env-file` is "\.\.\/\.\.\/\.env", which is outside the workspace .*e\.g\. models\/paris\/\.env/);
    refuses({ 'env-file': '/proc/self/environ' }, { workspace }, /^Input `env-file` is "\/proc\/self\/environ", which is outside/);
  });

  it('a value with control characters or of any length is shown escaped and cut', () => {
    refuses({ definition: `/etc/passwd\n::error::forged${'x'.repeat(1000)}` }, { workspace }, /^Input `definition` is "\/etc\/passwd\\n::error::forgedx+…", which/);
    assert.throws(() => parseModelSettings(inputs({ definition: `/${'y'.repeat(5000)}` }), { workspace }), (error: Error) => error.message.length < 1000);
  });

  describe('symbolic links', () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'config-links-')));
    const space = path.join(root, 'space');
    const outside = path.join(root, 'outside');
    fs.mkdirSync(path.join(space, 'models', 'paris'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret'), 'SECRET=1\n');
    fs.writeFileSync(path.join(space, 'models', 'paris', 'step-functions.json'), '{}');
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    const link = (target: string, at: string) => {
      fs.mkdirSync(path.dirname(path.join(space, at)), { recursive: true });
      fs.symlinkSync(target, path.join(space, at));
    };

    it('a model folder that is a link to a folder outside is refused, naming where it leads', () => {
      link(outside, 'linked');
      refuses({ 'model-folder': 'linked' }, { workspace: space }, new RegExp(`^Input \`model-folder\` is "linked", which resolves through a symbolic link to ${outside}, outside the workspace ${space}: replace the link`));
      refuses({ 'model-folder': 'linked/sub' }, { workspace: space }, /symbolic link to \S+\/outside\/sub, outside the workspace/);
    });

    it('definition and env-file links to files outside are refused, also when they are the defaults in the model folder', () => {
      link('/etc/passwd', 'models/passwd.json');
      refuses({ 'model-folder': 'models/paris', definition: 'models/passwd.json' }, { workspace: space }, /^Input `definition` is "models\/passwd\.json", which resolves through a symbolic link to \/etc\/passwd, outside/);
      link(path.join(outside, 'secret'), 'models/paris/.env');
      refuses({ 'model-folder': 'models/paris' }, { workspace: space }, new RegExp(`^Input \`env-file\` is not set \\(default ${space}/models/paris/\\.env\\), which resolves through a symbolic link to ${outside}/secret, outside`));
      fs.rmSync(path.join(space, 'models', 'paris', '.env'));
      link('../../../outside/secret', 'models/paris/step-functions.link');
      refuses({ 'model-folder': 'models/paris', definition: 'models/paris/step-functions.link' }, { workspace: space }, /`definition` is .* symbolic link to \S+\/outside\/secret, outside/);
    });

    it('a dangling link is followed to where it points', () => {
      link(path.join(outside, 'not-yet'), 'models/dangling.json');
      refuses({ definition: 'models/dangling.json' }, { workspace: space }, /`definition` is "models\/dangling\.json", which resolves through a symbolic link to \S+\/outside\/not-yet, outside/);
    });

    it('links that stay inside the workspace are fine, and so is a workspace reached through a link', () => {
      link('paris', 'models/current');
      const config = parseModelSettings(inputs({ 'model-folder': 'models/current' }), { workspace: space });
      assert.equal(config.modelFolder, path.join(space, 'models', 'current'));
      assert.equal(config.definitionFile, path.join(space, 'models', 'current', 'step-functions.json'));
      fs.symlinkSync(space, path.join(root, 'space-link'));
      const viaLink = parseModelSettings(inputs({ 'model-folder': 'models/paris' }), { workspace: path.join(root, 'space-link') });
      assert.equal(viaLink.modelFolder, path.join(root, 'space-link', 'models', 'paris'));
      assert.equal(parseModelSettings(inputs({ 'model-folder': 'models/not-there-yet' }), { workspace: space }).modelName, 'not-there-yet');
    });
  });
});

describe('a rollback and the smoke run, as inputs', () => {
  const settings = (values: Record<string, string>) => parseSettings(inputs(values), { workspace });

  it('takes `to` with mode rollback or plan, and refuses it with any other mode or missing with rollback', () => {
    assert.equal(settings({ mode: 'rollback', to: 'v1.2.0' }).deploy.rollbackTo, 'v1.2.0');
    assert.equal(settings({ mode: 'plan', to: 'abc1234' }).deploy.rollbackTo, 'abc1234');
    assert.throws(() => settings({ mode: 'deploy', to: 'v1' }), /Input `to` is "v1", which is only for a rollback, and the mode is deploy/);
    assert.throws(() => settings({ mode: 'rollback' }), /Input `to` is not set, and `mode: rollback` needs it/);
  });

  it('refuses a `to` with spaces, control characters or over 256 characters, without echoing them raw', () => {
    for (const to of ['v1 v2', 'v1\u001b[31m', 'v1\n::error::forged', 'v'.repeat(257)]) {
      assert.throws(
        () => settings({ mode: 'rollback', to }),
        (error: unknown) => error instanceof InputError && /^Input `to` is /.test(error.message) && !hasControlCharacter(error.message),
        JSON.stringify(to),
      );
    }
  });

  it('resolves `smoke-test` in the model folder and refuses one that leaves the workspace', () => {
    assert.equal(settings({ 'model-folder': 'models/paris', 'smoke-test': 'smoke.json' }).model.smokeTestFile, path.join(workspace, 'models/paris/smoke.json'));
    assert.equal(settings({}).model.smokeTestFile, undefined);
    assert.throws(() => settings({ 'smoke-test': '../../etc/passwd' }), /Input `smoke-test` is "\.\.\/\.\.\/etc\/passwd", which is outside the workspace/);
  });
});

describe('the model kind', () => {
  const folder = (files: string[]) => {
    const space = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-'));
    fs.mkdirSync(path.join(space, 'm'));
    for (const file of files) fs.writeFileSync(path.join(space, 'm', file), '[]');
    return (values: Record<string, string> = {}) => parseModelSettings(inputs({ 'model-folder': 'm', ...values }), { workspace: space });
  };

  it('is lambda with a step-functions.json, ecs with a steps.json alone, lambda by default', () => {
    assert.deepEqual(pick(folder(['step-functions.json', 'steps.json'])()), { kind: 'lambda', kindSource: 'it has step-functions.json' });
    assert.deepEqual(pick(folder(['steps.json'])()), { kind: 'ecs', kindSource: 'it has steps.json and no step-functions.json' });
    assert.deepEqual(pick(folder([])()), { kind: 'lambda', kindSource: 'neither step-functions.json nor steps.json: a Lambda model, the default' });
  });

  it('is what input model-kind says, when it says one', () => {
    assert.deepEqual(pick(folder(['step-functions.json'])({ 'model-kind': 'ecs' })), { kind: 'ecs', kindSource: 'input `model-kind`' });
    assert.deepEqual(pick(folder(['steps.json'])({ 'model-kind': 'Lambda' })), { kind: 'lambda', kindSource: 'input `model-kind`' });
    assert.throws(() => folder([])({ 'model-kind': 'fargate' }), /Input `model-kind` is "fargate": use one of auto, lambda, ecs/);
  });
});

function pick({ kind, kindSource }: { kind: string; kindSource: string }) {
  return { kind, kindSource };
}
