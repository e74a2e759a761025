/**
 * How the action reads a folder of the model: every regular file with its `/`-separated path and size, sorted;
 * nothing under `.git`; links, special files and unprintable names refused, never read. Validate's check walks
 * the same way and refuses the same entries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listTree, refusedUnder } from '../../../src/ground/model-files.ts';

function folderWith(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'model-files-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

test('every regular file, deep or not, with its relative path in / form and its size, sorted by that path', async () => {
  const root = folderWith({ 'z.csv': 'z', 'inputs/pt/0/a.geojson': 'abc', 'inputs/pt/0/b b.json': '', 'inputs/road.csv': '12345', '.git/config': 'token' });
  const tree = await listTree(root);
  assert.deepEqual(
    tree.files.map((file) => [file.rel, file.size, path.relative(root, file.path).split(path.sep).join('/')]),
    [
      ['inputs/pt/0/a.geojson', 3, 'inputs/pt/0/a.geojson'],
      ['inputs/pt/0/b b.json', 0, 'inputs/pt/0/b b.json'],
      ['inputs/road.csv', 5, 'inputs/road.csv'],
      ['z.csv', 1, 'z.csv'],
    ],
  );
  assert.deepEqual(tree.refused, []);
});

test('a link, a FIFO and a name with a line feed are refused, the same by the sync and by validate', async () => {
  const root = folderWith({ 'a.csv': 'a', 'deep/x\ny.csv': 'x', 'outside/secret': 's' });
  fs.symlinkSync('../outside/secret', path.join(root, 'deep', 'link.csv'));
  fs.symlinkSync('outside', path.join(root, 'linked-folder'));
  execFileSync('mkfifo', [path.join(root, 'deep', 'pipe')]);
  const tree = await listTree(root);
  const refused = tree.refused.map((entry) => path.relative(root, entry.path));
  assert.deepEqual(refused, ['deep/link.csv', 'deep/pipe', 'deep/x\ny.csv', 'linked-folder']);
  assert.deepEqual(await refusedUnder(root), tree.refused);
  assert.deepEqual(tree.files.map((file) => file.rel), ['a.csv', 'outside/secret']);
});

test('a missing folder is empty; a link or a file in the folder\'s place is refused', async () => {
  const root = folderWith({ 'file.csv': 'f', 'real/a.csv': 'a' });
  fs.symlinkSync('real', path.join(root, 'link'));
  assert.deepEqual(await listTree(path.join(root, 'missing')), { files: [], refused: [] });
  assert.match((await refusedUnder(path.join(root, 'link')))[0].problem, /symbolic link/);
  assert.deepEqual((await listTree(path.join(root, 'file.csv'))).refused.map((entry) => entry.problem), ['is not a folder']);
});
