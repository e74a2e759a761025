import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageTagsFor, parseDeployOptions, shouldPublish } from '../../../src/ground/settings/deploy.ts';

const getter = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';
const SHA = '0123456789abcdef0123456789abcdef01234567';

test('defaults: every step, publish auto, rollback on, 10 minute wait, 8 attempts', () => {
  const options = parseDeployOptions(getter({}));
  assert.deepEqual(options.steps, ['image', 'lambda', 'state-machine', 'scenarios']);
  assert.equal(options.publish, 'auto');
  assert.equal(options.rollback, true);
  assert.equal(options.forceBuild, false);
  assert.equal(options.waitTimeoutMinutes, 10);
  assert.equal(options.maxAttempts, 8);
  assert.equal(options.imageTag, undefined);
  assert.deepEqual(options.buildArgs, {});
});

test('steps are kept in the fixed order whatever order they are given in', () => {
  assert.deepEqual(parseDeployOptions(getter({ steps: 'state-machine, image' })).steps, ['image', 'state-machine']);
});

test('an unknown step, a bad tag, a bad alias, a reserved build arg are clear errors', () => {
  assert.throws(() => parseDeployOptions(getter({ steps: 'image,lamda' })), /`steps` names "lamda"; use a comma list of: image, lambda/);
  assert.throws(() => parseDeployOptions(getter({ 'image-tag': '-bad' })), /`image-tag` is "-bad"/);
  assert.throws(() => parseDeployOptions(getter({ alias: '123' })), /`alias` is "123"/);
  assert.throws(() => parseDeployOptions(getter({ 'build-args': 'IMAGE_TAG=x' })), /sets IMAGE_TAG; the action sets it itself/);
  assert.throws(() => parseDeployOptions(getter({ publish: 'sometimes' })), /`publish` is "sometimes"; use one of: auto, true, false/);
  assert.throws(() => parseDeployOptions(getter({ 'wait-timeout-minutes': '0' })), /`wait-timeout-minutes` is "0"/);
  assert.throws(() => parseDeployOptions(getter({ 'max-attempts': '2.5' })), /`max-attempts`/);
});

test('build args are KEY=VALUE lines', () => {
  const options = parseDeployOptions(getter({ 'build-args': 'PIP_INDEX=https://x\n# comment\nDEBUG=1' }));
  assert.deepEqual(options.buildArgs, { PIP_INDEX: 'https://x', DEBUG: '1' });
});

test('tags: the SHA by default, plus the git tag on tag refs; image-tag replaces the SHA', () => {
  assert.deepEqual(imageTagsFor({}, { sha: SHA, ref: 'refs/heads/main', repositoryUrl: '' }), [SHA]);
  assert.deepEqual(imageTagsFor({}, { sha: SHA, ref: 'refs/tags/v1.2.0', repositoryUrl: '' }), [SHA, 'v1.2.0']);
  assert.deepEqual(imageTagsFor({ imageTag: 'prod' }, { sha: SHA, ref: 'refs/heads/main', repositoryUrl: '' }), ['prod']);
});

test('publish auto publishes on tag refs only', () => {
  assert.equal(shouldPublish({ publish: 'auto' }, { sha: SHA, ref: 'refs/tags/v1', repositoryUrl: '' }), true);
  assert.equal(shouldPublish({ publish: 'auto' }, { sha: SHA, ref: 'refs/heads/main', repositoryUrl: '' }), false);
  assert.equal(shouldPublish({ publish: 'true' }, { sha: SHA, ref: 'refs/heads/main', repositoryUrl: '' }), true);
  assert.equal(shouldPublish({ publish: 'false' }, { sha: SHA, ref: 'refs/tags/v1', repositoryUrl: '' }), false);
});
