import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseModelConfig } from '../../../src/core/config.ts';
import { InputError } from '../../../src/core/inputs.ts';

const inputs = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const workspace = path.resolve('/work/space');

describe('inputs parsed once into the model config', () => {
  it('validates on pull requests and deploys otherwise when mode is auto', () => {
    assert.equal(parseModelConfig(inputs({}), { workspace, eventName: 'pull_request' }).mode, 'validate');
    assert.equal(parseModelConfig(inputs({}), { workspace, eventName: 'pull_request_target' }).mode, 'validate');
    assert.equal(parseModelConfig(inputs({}), { workspace, eventName: 'push' }).mode, 'deploy');
    assert.equal(parseModelConfig(inputs({ mode: 'plan' }), { workspace, eventName: 'pull_request' }).mode, 'plan');
  });

  it('resolves the model folder and its files against the workspace', () => {
    const config = parseModelConfig(inputs({ 'model-folder': 'models/paris' }), { workspace });
    assert.equal(config.modelFolder, path.join(workspace, 'models', 'paris'));
    assert.equal(config.modelName, 'paris');
    assert.equal(config.envFile, path.join(workspace, 'models', 'paris', '.env'));
    assert.equal(config.definitionFile, path.join(workspace, 'models', 'paris', 'step-functions.json'));
  });

  it('names the model after the workspace when the model is the repository itself', () => {
    assert.equal(parseModelConfig(inputs({}), { workspace: path.resolve('/w/quetzal-lyon') }).modelName, 'quetzal-lyon');
  });

  it('takes explicit file inputs relative to the workspace', () => {
    const config = parseModelConfig(inputs({ 'model-folder': 'm', 'env-file': 'config/prod.env', definition: 'sfn/def.json' }), { workspace });
    assert.equal(config.envFile, path.join(workspace, 'config', 'prod.env'));
    assert.equal(config.definitionFile, path.join(workspace, 'sfn', 'def.json'));
  });

  it('reads the region from the input, else the environment', () => {
    assert.equal(parseModelConfig(inputs({}), { workspace, environmentRegion: 'ca-central-1' }).region, 'ca-central-1');
    assert.equal(parseModelConfig(inputs({ 'aws-region': 'eu-west-3' }), { workspace, environmentRegion: 'ca-central-1' }).region, 'eu-west-3');
    assert.throws(() => parseModelConfig(inputs({ 'aws-region': 'Canada' }), { workspace }), /not an AWS region/);
  });

  it('reads definition-substitutions as KEY=VALUE lines', () => {
    const config = parseModelConfig(inputs({ 'definition-substitutions': 'AuthFunctionArn=arn:aws:lambda:x\n\n# note\nStage = prod' }), { workspace });
    assert.deepEqual(config.substitutions, { AuthFunctionArn: 'arn:aws:lambda:x', Stage: 'prod' });
    assert.throws(() => parseModelConfig(inputs({ 'definition-substitutions': 'no equals sign' }), { workspace }), InputError);
  });

  it('refuses an unknown mode or a bad boolean with the accepted values', () => {
    assert.throws(() => parseModelConfig(inputs({ mode: 'ship' }), { workspace }), /use one of: auto, validate, plan, deploy/);
    assert.throws(() => parseModelConfig(inputs({ 'fail-on-warnings': 'maybe' }), { workspace }), /true or false/);
  });

  it('keeps name overrides', () => {
    const config = parseModelConfig(inputs({ bucket: ' my-bucket ', 'lambda-function': 'fn' }), { workspace });
    assert.deepEqual(config.nameOverrides, { bucket: 'my-bucket', lambdaFunction: 'fn' });
  });
});
