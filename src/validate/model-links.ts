/**
 * What the scenario sync would refuse, reported by `validate` as findings: a link (file or folder), a special file
 * or a control-character name under scenarios/, the docs folder, modelConfig.json or steps.json. A pull request
 * learns it before the deploy does.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '../core/findings.ts';
import { entryProblem, listTree, pathKind, type RefusedEntry } from '../core/model-files.ts';

export async function checkModelLinks(modelFolder: string, docsFolder: string): Promise<Finding[]> {
  const refused: RefusedEntry[] = [];
  for (const name of ['modelConfig.json', 'steps.json']) {
    const path = join(modelFolder, name);
    const kind = pathKind(path);
    if (kind === 'link' || kind === 'other') refused.push({ path, problem: entryProblem(name, kind)! });
  }
  const docsParts = docsFolder.split('/');
  let docsReachable = true;
  for (let depth = 1; depth < docsParts.length && docsReachable; depth += 1) {
    const above = join(modelFolder, ...docsParts.slice(0, depth));
    const kind = pathKind(above);
    if (kind === 'link') refused.push({ path: above, problem: entryProblem(docsParts[depth - 1], 'link')! });
    docsReachable = kind === 'directory';
  }
  const trees = docsReachable ? [listTree(join(modelFolder, ...docsParts))] : [];
  // As the sync sees scenarios/: a folder a scenario, a hidden one (.ipynb_checkpoints) none, a link refused.
  const scenarios = join(modelFolder, 'scenarios');
  const scenariosKind = pathKind(scenarios);
  if (scenariosKind === 'link') refused.push({ path: scenarios, problem: entryProblem('scenarios', 'link')! });
  if (scenariosKind === 'directory') {
    for (const entry of await readdir(scenarios, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isSymbolicLink()) refused.push({ path: join(scenarios, entry.name), problem: entryProblem(entry.name, 'link')! });
      else if (entry.isDirectory()) trees.push(listTree(join(scenarios, entry.name)));
    }
  }
  for (const tree of await Promise.all(trees)) refused.push(...tree.refused);
  return refused.map((entry) => ({
    severity: 'error',
    rule: 'model/unsafe-entry',
    file: entry.path,
    message: `This ${entry.problem}; the scenario sync refuses to deploy until then.`,
  }));
}
