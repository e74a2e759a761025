import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { renderTables, updateReadme } from '../../../scripts/action-docs.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const actionYml = fs.readFileSync(path.join(root, 'action.yml'), 'utf8');

it('README lists every input and output of action.yml, as generated (run `node scripts/action-docs.ts`)', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.equal(updateReadme(readme, renderTables(actionYml)), readme);
});

it('action.yml runs on node24 from the committed bundle, and describes every input and output', () => {
  const metadata = parse(actionYml);
  assert.equal(metadata.runs.using, 'node24');
  assert.equal(metadata.runs.main, 'dist/index.js');
  assert.ok(fs.existsSync(path.join(root, 'dist', 'index.js')));
  for (const [name, entry] of Object.entries<{ description?: string }>({ ...metadata.inputs, ...metadata.outputs })) {
    assert.ok(entry.description && entry.description.length > 10, `${name} needs a description`);
  }
});
