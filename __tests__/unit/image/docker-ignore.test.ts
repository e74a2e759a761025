import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useIgnoreFileInContext } from '../../../src/image/docker.ts';
import { parseImageReference } from '../../../src/image/registry.ts';
import { collectingLogger } from '../../helpers/step-context.ts';

function context(withOwnIgnore: boolean) {
  const root = mkdtempSync(join(tmpdir(), 'quetzal-ignore-'));
  mkdirSync(join(root, 'model'));
  writeFileSync(join(root, 'model/Dockerfile'), 'FROM scratch\n');
  writeFileSync(join(root, 'model/Dockerfile.dockerignore'), 'model/scenarios/*\n');
  if (withOwnIgnore) writeFileSync(join(root, '.dockerignore'), 'own\n');
  return root;
}

test('legacy builder: the model ignore file becomes the context .dockerignore, and the own file comes back', async () => {
  const root = context(true);
  try {
    const restore = await useIgnoreFileInContext(root, join(root, 'model/Dockerfile'), collectingLogger());
    assert.equal(readFileSync(join(root, '.dockerignore'), 'utf8'), 'model/scenarios/*\n');
    await restore?.();
    assert.equal(readFileSync(join(root, '.dockerignore'), 'utf8'), 'own\n');
    assert.deepEqual(readdirSync(root).sort(), ['.dockerignore', 'model'], 'no backup file left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('legacy builder: a context without its own .dockerignore has none afterwards', async () => {
  const root = context(false);
  try {
    const restore = await useIgnoreFileInContext(root, join(root, 'model/Dockerfile'), collectingLogger());
    assert.ok(existsSync(join(root, '.dockerignore')));
    await restore?.();
    assert.ok(!existsSync(join(root, '.dockerignore')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('no model ignore file: the context is left alone', async () => {
  const root = context(true);
  try {
    rmSync(join(root, 'model/Dockerfile.dockerignore'));
    assert.equal(await useIgnoreFileInContext(root, join(root, 'model/Dockerfile'), collectingLogger()), undefined);
    assert.equal(readFileSync(join(root, '.dockerignore'), 'utf8'), 'own\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('image references split into registry, repository, tag and digest', () => {
  assert.deepEqual(parseImageReference('1.dkr.ecr.eu-west-3.amazonaws.com/team/model:v1'), {
    registry: '1.dkr.ecr.eu-west-3.amazonaws.com',
    repository: 'team/model',
    tag: 'v1',
    digest: undefined,
  });
  assert.deepEqual(parseImageReference(`localhost:5000/model@sha256:${'a'.repeat(64)}`), {
    registry: 'localhost:5000',
    repository: 'model',
    tag: undefined,
    digest: `sha256:${'a'.repeat(64)}`,
  });
});
