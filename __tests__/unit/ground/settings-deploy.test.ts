import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageTagsFor, parseDeploySettings, shouldPublish } from '../../../src/ground/settings/deploy.ts';

const getter = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';
const SHA = '0123456789abcdef0123456789abcdef01234567';

test('defaults: every step, publish auto, rollback on, 10 minute wait, 8 attempts', () => {
  const options = parseDeploySettings(getter({}));
  assert.deepEqual(options.steps, ['image', 'lambda', 'state-machine', 'ecs', 'scenarios'], 'every step; the model\'s kind keeps its own');
  assert.equal(options.stepsGiven, false);
  assert.equal(options.publish, 'auto');
  assert.equal(options.rollback, true);
  assert.equal(options.forceBuild, false);
  assert.equal(options.waitTimeoutMinutes, 10);
  assert.equal(options.maxAttempts, 8);
  assert.equal(options.imageTag, undefined);
  assert.deepEqual(options.buildArgs, {});
});

test('steps are kept in the fixed order whatever order they are given in', () => {
  assert.deepEqual(parseDeploySettings(getter({ steps: 'state-machine, image' })).steps, ['image', 'state-machine']);
});

test('an unknown step, a bad tag, a bad alias, a reserved build arg are clear errors', () => {
  assert.throws(() => parseDeploySettings(getter({ steps: 'image,lamda' })), /Input `steps` is "image,lamda", which names "lamda": use a comma list of image, lambda, state-machine, ecs, scenarios\.$/);
  assert.throws(() => parseDeploySettings(getter({ 'image-tag': '-bad' })), /Input `image-tag` is "-bad": use 1 to 128 letters/);
  assert.throws(() => parseDeploySettings(getter({ alias: '123' })), /Input `alias` is "123": use 1 to 128 letters, digits, '-' or '_', not only digits/);
  assert.throws(() => parseDeploySettings(getter({ 'build-args': 'IMAGE_TAG=x' })), /Input `build-args` sets IMAGE_TAG, which the action sets itself: remove that line\.$/);
  assert.throws(() => parseDeploySettings(getter({ 'build-args': '1X=y' })), /Input `build-args` sets "1X", not a build argument name/);
  // A build argument's value may be a token: an error names the line or the name, never a value.
  assert.throws(() => parseDeploySettings(getter({ 'build-args': 'TOKEN=s3cr3t-value\nghp_s3cr3t' })), (error: Error) => {
    assert.match(error.message, /^Input `build-args` has line 2, which is not KEY=VALUE/);
    assert.doesNotMatch(error.message, /s3cr3t/);
    return true;
  });
  assert.throws(() => parseDeploySettings(getter({ 'build-args': 'TOKEN=s3cr3t-value\n1X=y' })), (error: Error) => !/s3cr3t/.test(error.message));
  assert.throws(() => parseDeploySettings(getter({ publish: 'sometimes' })), /Input `publish` is "sometimes": use one of auto, true, false\.$/);
  assert.throws(() => parseDeploySettings(getter({ 'wait-timeout-minutes': '0' })), /Input `wait-timeout-minutes` is "0": use a number of minutes above 0, at most 360 \(default 10\)\.$/);
  assert.throws(() => parseDeploySettings(getter({ 'max-attempts': '2.5' })), /Input `max-attempts` is "2\.5": use a whole number from 1 to 20 \(default 8\)\.$/);
  assert.throws(() => parseDeploySettings(getter({ 'max-attempts': '21' })), /`max-attempts` is "21": use a whole number from 1 to 20/);
});

test('booleans take exactly the spellings of @actions/core getBooleanInput', () => {
  for (const spelling of ['true', 'True', 'TRUE']) assert.equal(parseDeploySettings(getter({ 'force-build': spelling })).forceBuild, true);
  for (const spelling of ['false', 'False', 'FALSE']) assert.equal(parseDeploySettings(getter({ rollback: ` ${spelling} ` })).rollback, false);
  for (const spelling of ['yes', 'no', 'on', 'off', '1', '0', 'tRUE', 'y']) {
    assert.throws(() => parseDeploySettings(getter({ rollback: spelling })), new RegExp(`Input \`rollback\` is "${spelling}": use true or false\\.$`));
  }
});

test('fractions of a minute are a wait; a SHA that is no Docker tag names image-tag', () => {
  assert.equal(parseDeploySettings(getter({ 'wait-timeout-minutes': '0.5' })).waitTimeoutMinutes, 0.5);
  assert.throws(() => parseDeploySettings(getter({ 'wait-timeout-minutes': '1e3' })), /`wait-timeout-minutes` is "1e3"/);
  assert.throws(() => imageTagsFor({}, { ref: 'refs/heads/main' }), /Input `image-tag` is not set \(default the commit SHA ""\), which is not a Docker tag: use 1 to 128/);
});

test('build args are KEY=VALUE lines', () => {
  const options = parseDeploySettings(getter({ 'build-args': 'PIP_INDEX=https://x\n# comment\nDEBUG=1' }));
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
