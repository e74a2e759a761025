/**
 * The web app needs a `base` scenario: a plan that syncs scenarios after which the bucket would hold none is
 * refused. A plan that syncs no scenario (`scenarios: none`, or `changed` with none changed) leaves the scenarios
 * as they are: a bucket without `base/` is then a warning, not a failure.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { describeError } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import type { Logger } from '../ground/logger.ts';
import { localScenarioExists, scenariosFolder } from './local.ts';
import { prefixHasObjects } from './remote.ts';
import type { TargetPlan } from './types.ts';

/** Whether `base/` would hold a file after the planned sync; `remoteHasBase` asks the bucket when the plan cannot tell. */
async function baseWouldExist(targets: readonly TargetPlan[], remoteHasBase: () => Promise<boolean>): Promise<boolean> {
  const base = targets.find((target) => target.kind === 'scenario' && target.name === 'base');
  if (base?.decision && (base.status === 'sync' || base.status === 'unchanged')) {
    const d = base.decision;
    const localFiles = d.uploads.length + d.unchanged.length + d.keptArtifacts.length;
    return localFiles > 0 || (base.remote?.size ?? 0) - d.deletes.length > 0;
  }
  if (base?.remote) return base.remote.size > 0;
  return remoteHasBase();
}

/** Whether the plan syncs a scenario: a prefix removed locally is left as it is, and `_common/` is no scenario. */
export function syncsAScenario(targets: readonly TargetPlan[]): boolean {
  return targets.some((target) => target.kind === 'scenario' && target.status !== 'removed-locally');
}

/**
 * Throws a DeployError when the plan syncs a scenario and no `base` scenario would exist after the sync; when it
 * syncs none, only warns that the bucket has no `base/` (a failed read is then logged at debug level: the plan
 * does not stop on a check it does not need). `baseCheck`, when given, is the read of `base/` started early (the
 * plan starts it when base is not among the synced scenarios).
 */
export async function checkBaseRemains(
  targets: readonly TargetPlan[],
  where: { s3: S3Client; bucket: string; modelFolder: string; logger: Logger },
  baseCheck: Promise<boolean> | undefined,
): Promise<void> {
  const { s3, bucket, modelFolder, logger } = where;
  const remoteHasBase = () => baseCheck ?? prefixHasObjects(s3, bucket, 'base/');
  const hasLocalBase = () => localScenarioExists(modelFolder, 'base');
  const advice = (local: boolean) =>
    local ? 'Include base in the synced scenarios (scenarios: all, or a list naming base).' : `Add a base scenario under ${scenariosFolder(modelFolder)}/base/ and sync it.`;
  if (!syncsAScenario(targets)) {
    const hasBase = await remoteHasBase().catch((error: unknown) => {
      logger.debug(`Could not tell whether s3://${bucket}/base/ holds a scenario (${describeError(error)}); this run syncs no scenario, so it does not check.`);
      return true;
    });
    if (!hasBase) {
      logger.warning(`No "base" scenario in s3://${bucket}/base/; the web app needs one. This run syncs no scenario, so it goes on. ${advice(await hasLocalBase())}`);
    }
    return;
  }
  if (await baseWouldExist(targets, remoteHasBase)) return;
  throw new DeployError(`No "base" scenario would exist in s3://${bucket}/base/ after the sync; the web app needs one.`, advice(await hasLocalBase()));
}
