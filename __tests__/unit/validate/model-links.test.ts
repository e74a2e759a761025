/** validate names every entry the scenario sync would refuse, as the sync sees the model folder. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { checkModelLinks } from '../../../src/validate/model-links.ts';

function model(files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'links-'));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), 'x');
  }
  return root;
}

test('links to files and folders, under scenarios, docs and the model-wide files, are errors at their path', async () => {
  const root = model(['scenarios/base/a.csv', 'docs/index.md', 'outside/secret']);
  fs.symlinkSync('../../outside/secret', path.join(root, 'scenarios', 'base', 'notes.txt'));
  fs.symlinkSync('../outside', path.join(root, 'scenarios', 'linked'));
  fs.symlinkSync('../outside', path.join(root, 'docs', 'more'));
  fs.symlinkSync('outside/secret', path.join(root, 'steps.json'));
  const findings = await checkModelLinks(root, 'docs');
  assert.deepEqual(findings.map((finding) => path.relative(root, finding.file)).sort(), ['docs/more', 'scenarios/base/notes.txt', 'scenarios/linked', 'steps.json']);
  for (const finding of findings) {
    assert.equal(finding.severity, 'error');
    assert.equal(finding.rule, 'model/unsafe-entry');
    assert.match(finding.message, /^This is a symbolic link, .*commit the file or folder itself/);
  }
});

test('a FIFO and a name with a line feed are errors; hidden scenario folders and .git are not looked into', async () => {
  const root = model(['scenarios/base/a.csv', 'scenarios/base/x\ny.csv', 'scenarios/.ipynb_checkpoints/z', 'scenarios/base/.git/config']);
  fs.symlinkSync('/etc/passwd', path.join(root, 'scenarios', '.ipynb_checkpoints', 'link'));
  fs.symlinkSync('/etc/passwd', path.join(root, 'scenarios', 'base', '.git', 'link'));
  execFileSync('mkfifo', [path.join(root, 'scenarios', 'base', 'pipe')]);
  const findings = await checkModelLinks(root, 'docs');
  assert.deepEqual(findings.map((finding) => [path.relative(root, finding.file), /FIFO/.test(finding.message) || /control character/.test(finding.message)]).sort(), [
    ['scenarios/base/pipe', true],
    ['scenarios/base/x\ny.csv', true],
  ]);
});

test('a clean model has no finding, and a nested docs folder behind a link is one', async () => {
  assert.deepEqual(await checkModelLinks(model(['scenarios/base/a.csv', 'site/docs/a.md']), 'site/docs'), []);
  const root = model(['scenarios/base/a.csv', 'real/docs/a.md']);
  fs.symlinkSync('real', path.join(root, 'site'));
  assert.deepEqual((await checkModelLinks(root, 'site/docs')).map((finding) => path.relative(root, finding.file)), ['site']);
});
