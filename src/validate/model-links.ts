/**
 * What the scenario sync would refuse, reported by `validate` as findings: a link (file or folder), a special file
 * or a control-character name under scenarios/, the docs folder, modelConfig.json or steps.json. A pull request
 * learns it before the deploy does. The listings are the sync's own.
 */
import { join } from 'node:path';
import type { Finding } from '../ground/findings.ts';
import { listModelWide, listScenarioFolders, refusedUnder } from '../ground/model-files.ts';

export async function checkModelLinks(modelFolder: string, docsFolder: string): Promise<Finding[]> {
  const scenarios = join(modelFolder, 'scenarios');
  const [modelWide, folders] = await Promise.all([listModelWide(modelFolder, docsFolder), listScenarioFolders(scenarios)]);
  const underScenarios = await Promise.all(folders.names.map((name) => refusedUnder(join(scenarios, name))));
  const refused = [...modelWide.refused, ...folders.refused, ...underScenarios.flat()];
  return refused.map((entry) => ({
    severity: 'error',
    rule: 'model/unsafe-entry',
    file: entry.path,
    message: `This ${entry.problem}; the scenario sync refuses to deploy until then.`,
  }));
}
