/**
 * plan and deploy modes: parse the deploy inputs, make the AWS clients, and run the steps (preflight → plans →
 * applies). Loaded lazily by run.ts, so validate mode never loads the AWS SDK or the Docker code.
 */
import { createAwsClients, destroyAwsClients } from '../ground/aws.ts';
import { parseDeployOptions } from '../ground/settings/deploy.ts';
import { DeployRunError, runDeploySteps } from './pipeline.ts';
import { DeployError } from '../ground/step.ts';
import type { DeployStep } from '../ground/step.ts';
import { acquireDeployLock, parseLockOptions } from '../lock/deploy-lock.ts';
import { ScenarioSyncStep, parseSyncOptions, type SyncOutcome, type SyncPlan } from '../scenarios/index.ts';
import type { ValidationResult } from '../validate/index.ts';
import type { ModelConfig } from '../ground/settings/model.ts';
import { changedFilesBetween } from '../ground/git.ts';
import type { RunDependencies, RunResult } from './run.ts';

export async function runDeploy(
  config: ModelConfig,
  validation: ValidationResult,
  { logger, get, git, signal }: RunDependencies,
  /** The files the push changed, when run.ts already asked git (it starts git before loading this module). */
  pushChanges?: Promise<string[] | null>,
): Promise<Pick<RunResult, 'steps' | 'outputs' | 'failure' | 'consoleLinks'>> {
  const options = parseDeployOptions(get);
  const lockOptions = parseLockOptions(get);
  const syncOptions = parseSyncOptions(get);
  const { names } = validation;
  if (config.region === undefined) {
    return fail('No AWS region.', 'Set input `aws-region`, or AWS_REGION (aws-actions/configure-aws-credentials sets it).');
  }
  if (!names.ecrRepository || !names.lambdaFunction || !names.bucket || !names.stateMachine) {
    return fail('The resource names could not be resolved.', 'See the validation findings.');
  }
  if (!git.sha && options.imageTag === undefined) {
    return fail('No commit to tag the image with.', 'Run from a git checkout, or set input `image-tag`.');
  }

  const bucket = names.bucket.value;
  const mode = config.mode === 'plan' ? 'plan' : 'deploy';
  // Not awaited here: the first requests leave while git runs; only the choice of scenarios waits for it.
  const changedFiles =
    options.steps.includes('scenarios') && syncOptions.scenarios.kind === 'changed'
      ? (pushChanges ?? changedFilesBetween(config.modelFolder, git.before, git.after))
      : null;
  const clients = createAwsClients({ region: config.region, maxAttempts: options.maxAttempts });
  try {
    const result = await runDeploySteps({
      mode,
      clients,
      logger,
      options,
      git: { sha: git.sha ?? '', ref: git.ref ?? '', repositoryUrl: git.repositoryUrl ?? '' },
      target: {
        modelName: config.modelName,
        modelDir: config.modelFolder,
        repositoryName: names.ecrRepository.value,
        functionName: names.lambdaFunction.value,
        stateMachine: names.stateMachine.value,
        bucketName: names.bucket.value,
      },
      definition: { text: validation.definitionText ?? '', path: config.definitionFile },
      signal,
      scenarios: (stepLogger) => {
        const sync = new ScenarioSyncStep({ s3: clients.s3, logger: stepLogger, options: syncOptions, bucket, modelFolder: config.modelFolder, commitSha: git.sha, changedFiles, signal });
        return (mode === 'deploy' ? failingBeforeAnyWrite(sync) : sync) as DeployStep<unknown, unknown>;
      },
      lock: () =>
        acquireDeployLock(
          clients.s3,
          {
            bucket,
            owner: { runId: git.runId ?? `run-${process.pid}`, sha: git.sha, actor: git.actor, url: git.runUrl },
            ttlSeconds: lockOptions.ttlMinutes * 60,
            waitSeconds: lockOptions.timeoutMinutes * 60,
          },
          logger,
        ),
    });
    const outputs = { ...result.outputs };
    if (mode === 'plan') outputs.plan = JSON.stringify(result.reports.map(({ step, status, details }) => ({ step, status, details: Object.fromEntries(details) })));
    return {
      steps: result.reports,
      outputs,
      consoleLinks: consoleLinks(config.region, result.preflight.accountId, {
        ecrRepository: names.ecrRepository.value,
        lambdaFunction: names.lambdaFunction.value,
        stateMachine: result.preflight.stateMachine?.arn,
        bucket,
      }),
    };
  } catch (error) {
    if (error instanceof DeployError) {
      return {
        steps: error instanceof DeployRunError ? error.reports : [],
        outputs: {},
        failure: { message: error.message, hint: error.hint },
      };
    }
    throw error;
  } finally {
    destroyAwsClients(clients);
  }
}

/** Where each resource is in the AWS console, for the job summary. */
export function consoleLinks(
  region: string,
  accountId: string,
  resources: { ecrRepository: string; lambdaFunction: string; stateMachine?: string; bucket: string },
): NonNullable<RunResult['consoleLinks']> {
  const home = `https://${region}.console.aws.amazon.com`;
  const q = `region=${region}`;
  const links: NonNullable<RunResult['consoleLinks']> = {
    ecrRepository: `${home}/ecr/repositories/private/${accountId}/${resources.ecrRepository}?${q}`,
    lambdaFunction: `${home}/lambda/home?${q}#/functions/${encodeURIComponent(resources.lambdaFunction)}`,
    bucket: `https://s3.console.aws.amazon.com/s3/buckets/${resources.bucket}?${q}`,
  };
  if (resources.stateMachine) links.stateMachine = `${home}/states/home?${q}#/statemachines/view/${encodeURIComponent(resources.stateMachine)}`;
  return links;
}

/**
 * A scenario that cannot be synced as asked (a web-app edit with `on-conflict: fail`, a lock with `locked: fail`)
 * is found while planning: the deploy stops there, before the image is pushed or anything else is written.
 */
function failingBeforeAnyWrite(sync: ScenarioSyncStep): DeployStep<SyncPlan, SyncOutcome> {
  return {
    name: sync.name,
    plan: async () => {
      const plan = await sync.plan();
      if (plan.problems.length > 0) {
        throw new DeployError(
          `The scenario sync cannot complete, so nothing was deployed:\n${plan.problems.join('\n')}`,
          'Bring the web-app edits into the repository, or set `on-conflict: skip` / `overwrite` (and `locked`) to decide.',
        );
      }
      return plan;
    },
    planReadsSent: () => sync.planReadsSent(),
    apply: (plan) => sync.apply(plan),
    reportPlan: (plan) => sync.reportPlan(plan),
    reportOutcome: (outcome) => sync.reportOutcome(outcome),
  };
}

function fail(message: string, hint: string): Pick<RunResult, 'steps' | 'outputs' | 'failure' | 'consoleLinks'> {
  return { steps: [], outputs: {}, failure: { message, hint } };
}
