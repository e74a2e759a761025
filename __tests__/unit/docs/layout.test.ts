/** The README's layout section names every folder under src/, and only folders that exist. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(import.meta.dirname, '../../..');

test('the layout table of the README matches the folders under src/', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Layout of this repository'));
  const named = new Set([...section.matchAll(/`src\/([a-z-]+)\/`/g)].map((match) => match[1]));
  const folders = fs.readdirSync(path.join(root, 'src'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  assert.deepEqual([...named].sort(), folders.sort());
});
