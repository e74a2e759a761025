import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkModelFolder } from '../../../src/validate/model-folder.ts';

/** A model folder `<tmp>/paris` holding the given files (a trailing `/` makes a folder). */
function modelWith(files: Record<string, string>): string {
  const model = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'model-')), 'paris');
  fs.mkdirSync(model);
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(model, name);
    if (name.endsWith('/')) fs.mkdirSync(target, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
  return model;
}

const complete = {
  Dockerfile: 'FROM scratch\n',
  'Dockerfile.dockerignore': '**/*.pyc\nparis/scenarios/*\nparis/.git/objects\n',
  'scenarios/base/inputs/params.json': '{}',
};

const rules = (model: string) => checkModelFolder(model, 'paris').map((finding) => `${finding.severity} ${finding.rule}`);

describe('the model folder around the definition', () => {
  it('passes a folder with a Dockerfile, an ignore file excluding scenarios, and a base scenario', () => {
    assert.deepEqual(rules(modelWith(complete)), []);
  });

  it('requires a Dockerfile', () => {
    const model = modelWith({ ...complete, Dockerfile: '' });
    fs.rmSync(path.join(model, 'Dockerfile'));
    assert.deepEqual(rules(model), ['error model/dockerfile-missing']);
  });

  it('warns when the ignore file lets scenario data into the image', () => {
    assert.deepEqual(rules(modelWith({ ...complete, 'Dockerfile.dockerignore': '**/*.pyc\n' })), ['warning model/scenarios-in-image']);
  });

  it('understands a negation that brings scenarios back', () => {
    const ignore = 'paris/scenarios/*\n!paris/scenarios/base\n';
    assert.deepEqual(rules(modelWith({ ...complete, 'Dockerfile.dockerignore': ignore })), ['warning model/scenarios-in-image']);
  });

  it('accepts the folder itself, a ** pattern, or a leading slash', () => {
    for (const ignore of ['paris/scenarios\n', '**/scenarios\n', '/paris/scenarios/\n', 'paris/scenarios/**\n']) {
      assert.deepEqual(rules(modelWith({ ...complete, 'Dockerfile.dockerignore': ignore })), [], ignore);
    }
  });

  it('flags the unedited template ignore file on each line to edit', () => {
    const template = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'fixtures', 'models', 'template', 'Dockerfile.dockerignore'), 'utf8');
    const model = modelWith({ ...complete, 'Dockerfile.dockerignore': template });
    const findings = checkModelFolder(model, 'paris');
    assert.deepEqual(
      findings.map((finding) => [finding.rule, finding.line, finding.column]),
      [
        ['template/model-folder', 10, 1],
        ['template/to-edit', 10, 30],
        ['template/model-folder', 11, 1],
        ['template/to-edit', 11, 30],
      ],
    );
    assert.match(findings[0].message, /with the model folder's name: paris/);
  });

  it('warns when the ignore file is missing, and names a mis-cased one', () => {
    const model = modelWith({ Dockerfile: 'FROM scratch', 'scenarios/base/': '' });
    assert.deepEqual(rules(model), ['warning model/ignore-file-missing']);
    fs.writeFileSync(path.join(model, 'DockerFile.dockerignore'), 'paris/scenarios/*\n');
    const [finding] = checkModelFolder(model, 'paris');
    assert.match(finding.message, /not DockerFile\.dockerignore: rename it/);
  });

  it('warns when there is no base scenario', () => {
    const model = modelWith({ Dockerfile: 'FROM scratch', 'Dockerfile.dockerignore': 'paris/scenarios/*', 'scenarios/lyon/': '' });
    assert.deepEqual(rules(model), ['warning model/base-scenario-missing']);
  });
});
