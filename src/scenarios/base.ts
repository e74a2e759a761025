/** The web app needs a `base` scenario: a plan after which the bucket would hold none is refused. */
import type { S3Client } from '@aws-sdk/client-s3';
import { DeployError } from '../ground/errors.ts';
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

/**
 * Throws a DeployError when no `base` scenario would exist after the sync. `baseCheck`, when given, is the read of
 * `base/` started early (the plan starts it when base is not among the synced scenarios).
 */
export async function checkBaseRemains(
  targets: readonly TargetPlan[],
  where: { s3: S3Client; bucket: string; modelFolder: string },
  baseCheck: Promise<boolean> | undefined,
): Promise<void> {
  const { s3, bucket, modelFolder } = where;
  if (await baseWouldExist(targets, () => baseCheck ?? prefixHasObjects(s3, bucket, 'base/'))) return;
  const hasLocalBase = await localScenarioExists(modelFolder, 'base');
  throw new DeployError(
    `No "base" scenario would exist in s3://${bucket}/base/ after the sync; the web app needs one.`,
    hasLocalBase
      ? 'Include base in the synced scenarios (scenarios: all, or a list naming base).'
      : `Add a base scenario under ${scenariosFolder(modelFolder)}/base/ and sync it.`,
  );
}
