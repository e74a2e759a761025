/** Which scenarios a run syncs, from input `scenarios`, the local scenario folders and the files the push changed. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployError } from '../../../src/ground/errors.ts';
import { chooseScenarios, selectScenarios, touchedScenarios } from '../../../src/scenarios/select.ts';

const local = ['base', 'base 1', 'paris'];

describe('scenarios: none, a list, all', () => {
  test('none syncs no scenario, whatever is local or changed', () => {
    assert.deepEqual(chooseScenarios({ kind: 'none' }, local, ['scenarios/base/a.csv']), { names: [], selection: 'none', removedLocally: [] });
  });

  test('a list syncs the named scenarios in the order given, and says so', () => {
    assert.deepEqual(chooseScenarios({ kind: 'names', names: ['paris', 'base'] }, [], null), {
      names: ['paris', 'base'],
      selection: 'paris, base',
      removedLocally: [],
    });
  });

  test('all syncs every local scenario, changed or not', () => {
    assert.deepEqual(chooseScenarios({ kind: 'all' }, local, []), { names: local, selection: 'all', removedLocally: [] });
  });
});

describe('scenarios: changed', () => {
  test('only the scenarios with a file in the push are synced, sorted, counted against the local ones', () => {
    const chosen = chooseScenarios({ kind: 'changed' }, local, ['scenarios/paris/inputs/od.csv', 'scenarios/base 1/params.json', 'scenarios/paris/x', 'README.md']);
    assert.deepEqual(chosen, { names: ['base 1', 'paris'], selection: 'changed (2 of 3)', removedLocally: [] });
  });

  test('a changed scenario without a local folder is reported as removed locally, not synced', () => {
    const chosen = chooseScenarios({ kind: 'changed' }, local, ['scenarios/gone/inputs/a.csv', 'scenarios/base/a.csv']);
    assert.deepEqual(chosen, { names: ['base'], selection: 'changed (1 of 3)', removedLocally: ['gone'] });
  });

  test('when git cannot tell what changed, every local scenario is compared by content', () => {
    assert.deepEqual(chooseScenarios({ kind: 'changed' }, local, null), {
      names: local,
      selection: 'changed (commits unknown: every scenario compared by content)',
      removedLocally: [],
    });
  });

  test('a push that touched no scenario syncs none', () => {
    assert.deepEqual(chooseScenarios({ kind: 'changed' }, local, ['steps.json', 'docs/index.md']), { names: [], selection: 'changed (0 of 3)', removedLocally: [] });
  });
});

describe('the scenarios a push touched', () => {
  test('a file under scenarios/<name>/ touches <name>; "base" and "base 1" are distinct', () => {
    assert.deepEqual([...touchedScenarios(['scenarios/base/a.csv', 'scenarios/base 1/b/c.csv'])].sort(), ['base', 'base 1']);
  });

  test('paths written with ./ or backslashes count the same', () => {
    assert.deepEqual([...touchedScenarios(['./scenarios/base/a.csv', 'scenarios\\paris\\b.csv'])].sort(), ['base', 'paris']);
  });

  test('hidden folders, files directly under scenarios/ and other folders are not scenarios', () => {
    assert.deepEqual([...touchedScenarios(['scenarios/.ipynb_checkpoints/a.csv', 'scenarios/README.md', 'scenarios/base/', 'notebooks/base/a.ipynb', 'models/scenarios/x/a'])], []);
  });
});

describe('what the choice reads of the model folder', () => {
  const folders: string[] = [];
  after(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });
  async function modelWith(...scenarios: string[]): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), 'select-'));
    folders.push(folder);
    for (const name of scenarios) await mkdir(join(folder, 'scenarios', name), { recursive: true });
    return folder;
  }
  const never = new Promise<string[] | null>(() => {});

  test('a named scenario without a folder is an error naming it', async () => {
    const folder = await modelWith('base');
    await assert.rejects(selectScenarios(folder, { kind: 'names', names: ['base', 'nope'] }, null), (error: unknown) => {
      assert.ok(error instanceof DeployError);
      assert.match(error.message, /^Scenario "nope" \(input scenarios\) has no folder .*scenarios\/nope\.$/);
      return true;
    });
  });

  test('a list reads only the named folders: an unsafe folder name elsewhere stops all, not the list', async () => {
    const folder = await modelWith('base', 'bad\u0007name');
    assert.deepEqual((await selectScenarios(folder, { kind: 'names', names: ['base'] }, never)).names, ['base']);
    await assert.rejects(selectScenarios(folder, { kind: 'all' }, never), /control character/);
  });

  test('the changed files are awaited for changed only', async () => {
    const folder = await modelWith('base', 'paris');
    assert.deepEqual((await selectScenarios(folder, { kind: 'all' }, never)).names, ['base', 'paris']);
    const changed = await selectScenarios(folder, { kind: 'changed' }, Promise.resolve(['scenarios/paris/a.csv']));
    assert.deepEqual(changed.names, ['paris']);
  });
});
