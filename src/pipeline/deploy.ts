/**
 * Plan and deploy modes: the resource names from validation, the AWS clients, the steps in their order, the
 * deploy lock, then the pipeline. Loaded by run.ts only in those modes: validate mode never loads the AWS SDK.
 */
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { describeError, errorName } from '../ground/aws-errors.ts';
import { AwsClients } from '../ground/aws.ts';
import { DeployError, FindingsError } from '../ground/errors.ts';
import type { Finding } from '../ground/findings.ts';
import type { GitContext } from '../ground/git.ts';
import type { Logger } from '../ground/logger.ts';
import type { Release } from '../ground/release.ts';
import { digestOf, type DeployTarget, type Preflight } from '../ground/resources.ts';
import type { Settings } from '../ground/settings/index.ts';
import type { Step, StepName, StepReport } from '../ground/step.ts';
import { ImageStep } from '../image/step.ts';
import { LambdaStep } from '../lambda/step.ts';
import { acquireDeployLock } from '../lock/index.ts';
import { ScenarioSyncStep } from '../scenarios/index.ts';
import { SmokeStep } from '../smoke/step.ts';
import { StateMachineStep, type StateMachinePlan } from '../state-machine/step.ts';
import { EcsStep } from '../ecs/step.ts';
import type { ValidationResult } from '../validate/index.ts';
import { collectOutputs, PipelineError, runPipeline, type Lock, type PipelineResult } from './pipeline.ts';
import { describeRelease, findRelease } from './find-release.ts';
import { runPreflight } from './preflight.ts';

/**
 * Every step of a Lambda model, in the order the pipeline applies them. A new step is a folder and one line here.
 * A definition that runs the model's task-definition family (long steps as ECS tasks) adds the ECS step before the
 * state machine, which names the revision it registers.
 */
export function deploySteps(runsTaskFamily = false): Step[] {
  return [new ImageStep(), new LambdaStep(), ...(runsTaskFamily ? [new EcsStep()] : []), new StateMachineStep(), new ScenarioSyncStep()];
}

/** Every step of an ECS model: the image is built for the task definition's platform and runs in a new revision. */
export function ecsDeploySteps(): Step[] {
  return [new ImageStep({ runsOn: 'ecs' }), new EcsStep(), new ScenarioSyncStep()];
}
const LAMBDA_ONLY_STEPS: readonly StepName[] = ['lambda', 'state-machine'];

/** The steps of a run: by the model's kind, for a deploy or a rollback (an ECS model's rollback is its ECS step). */
function stepsFor(ecs: boolean, rollback: boolean, runsTaskFamily: boolean): Step[] {
  if (ecs) return rollback ? [new EcsStep()] : ecsDeploySteps();
  return rollback ? rollbackSteps() : deploySteps(runsTaskFamily);
}

/** The steps a rollback runs: the Lambda and the state machine, planned from the release (preflight.release). */
export function rollbackSteps(): Step[] {
  return [new LambdaStep(), new StateMachineStep()];
}
const ROLLBACK_STEPS: readonly StepName[] = ['lambda', 'state-machine'];

export interface DeployRun {
  settings: Settings;
  validation: ValidationResult;
  logger: Logger;
  git: GitContext;
  /** The files the push changed (run.ts asks git before loading this module), when the scenarios need them. */
  changedFiles: Promise<string[] | null> | null;
  signal?: AbortSignal;
  /** The steps (default deploySteps()): tests give steps with their own Docker engine or poll delays. */
  steps?: Step[];
  /** Offline ASL errors of the definition that Step Functions may overrule (the state machine step asks it). */
  unconfirmed?: Finding[];
}

export interface DeployResult {
  steps: StepReport[];
  outputs: Record<string, string>;
  consoleLinks?: Partial<Record<'ecrRepository' | 'lambdaFunction' | 'stateMachine' | 'bucket', string>>;
  failure?: { message: string; hint?: string };
  /** The deployed and the planned definition, for the picture's marks of what changes (when the state machine step was planned). */
  comparison?: StateMachinePlan['comparison'];
  /** The offline errors Step Functions said it accepts: warnings now. */
  overruled?: Finding[];
  /** Step Functions' own errors in the definition, on their lines. */
  findings?: Finding[];
}

export async function runDeploy(run: DeployRun): Promise<DeployResult> {
  const { settings, validation, logger, git } = run;
  const { model, deploy } = settings;
  const { names } = validation;
  const ecs = model.kind === 'ecs';
  if (ecs) {
    // A Lambda base image does not run as a task, nor an ECS image in Lambda: the Lambda steps never run for it.
    const crossing = deploy.steps.filter((step) => LAMBDA_ONLY_STEPS.includes(step));
    const explicit = settings.deploy.stepsGiven;
    if (explicit && crossing.length > 0) {
      return failed(`Input \`steps\` names ${crossing.join(' and ')}, and ${model.modelName} is an ECS model (${model.kindSource}): it has no Lambda and no state machine to deploy.`, 'Use `steps: image,ecs,scenarios` (the default for an ECS model), or set `model-kind: lambda`.');
    }
    if (model.smokeTestFile !== undefined) return failed('Input `smoke-test` runs the state machine, and an ECS model has none.', 'Remove input `smoke-test` for this model.');
  }
  // A Lambda model has an ECS step only when its definition runs the family as a task (validation found it).
  const runsTaskFamily = !ecs && validation.ecs !== undefined;
  if (!ecs && !runsTaskFamily && settings.deploy.stepsGiven && deploy.steps.includes('ecs')) {
    return failed(
      `Input \`steps\` names ecs, and ${model.modelName} is a Lambda model (${model.kindSource}) whose definition runs no ECS task of its family.`,
      'Leave `ecs` out, or set `model-kind: ecs` for an ECS model.',
    );
  }
  if (model.region === undefined) {
    return failed('No AWS region.', 'Set input `aws-region`, or AWS_REGION (aws-actions/configure-aws-credentials sets it).');
  }
  if (!names.ecrRepository || !names.lambdaFunction || !names.bucket || !names.stateMachine || (ecs && !validation.ecs)) {
    return failed('The resource names could not be resolved.', 'See the validation findings.');
  }
  const rollbackTo = deploy.rollbackTo;
  if (!git.sha && deploy.imageTag === undefined && rollbackTo === undefined) {
    return failed('No commit to tag the image with.', 'Run from a git checkout, or set input `image-tag`.');
  }
  const target: DeployTarget = {
    modelName: model.modelName,
    modelDir: model.modelFolder,
    repositoryName: names.ecrRepository.value,
    functionName: names.lambdaFunction.value,
    stateMachine: names.stateMachine.value,
    bucketName: names.bucket.value,
    taskFamily: validation.ecs?.taskFamily.value,
    cluster: validation.ecs?.cluster.value,
  };
  const mode = model.mode === 'plan' ? 'plan' : 'deploy';
  const rollbackSelection: readonly StepName[] = ecs ? ['ecs'] : ROLLBACK_STEPS;
  const inKind = (step: StepName) => (ecs ? !LAMBDA_ONLY_STEPS.includes(step) : step !== 'ecs' || runsTaskFamily);
  const selected = new Set<StepName>(rollbackTo === undefined ? deploy.steps.filter(inKind) : rollbackSelection);
  if (model.smokeTestFile !== undefined) selected.add('smoke');
  const aws = new AwsClients({ region: model.region, maxAttempts: deploy.maxAttempts });
  try {
    const result = await runPipeline({
      // The smoke run, when asked for (input `smoke-test`), comes last: after a deploy or a rollback.
      steps: run.steps ?? [...stepsFor(ecs, rollbackTo !== undefined, runsTaskFamily), ...(model.smokeTestFile ? [new SmokeStep()] : [])],
      facts: {
        mode,
        settings,
        selected,
        target,
        git,
        aws,
        logger,
        definition: { text: validation.definitionText ?? '', path: model.definitionFile, unconfirmed: run.unconfirmed },
        changedFiles: run.changedFiles,
        signal: run.signal,
      },
      preflight: async (needs) => {
        const preflight = await runPreflight(aws, target, needs, logger);
        // An ECS model's release is a task-definition revision: the ECS step finds it.
        if (rollbackTo !== undefined && !ecs) preflight.release = await findReleaseOf(aws, preflight, rollbackTo, logger);
        return preflight;
      },
      lock: mode === 'deploy' ? () => takeLock(aws, target.bucketName, settings, git, logger) : undefined,
      undoOnFailure: deploy.rollback,
    });
    const machinePlan = result.plans.get('state-machine') as StateMachinePlan | undefined;
    return {
      steps: result.reports,
      outputs: outputsOf(mode, result),
      comparison: machinePlan?.comparison,
      overruled: machinePlan?.overruled,
      consoleLinks: consoleLinks(model.region, result.preflight.accountId, {
        ecrRepository: target.repositoryName,
        lambdaFunction: target.functionName,
        stateMachine: result.preflight.stateMachine?.arn,
        bucket: target.bucketName,
      }),
    };
  } catch (error) {
    if (error instanceof DeployError) {
      const findingsError = [error, error.cause].find((cause) => cause instanceof FindingsError);
      return {
        steps: error instanceof PipelineError ? error.reports : [],
        outputs: {},
        failure: { message: error.message, hint: error.hint },
        // Step Functions' judgement holds even when a later write failed.
        overruled: error instanceof PipelineError ? (error.plans.get('state-machine') as StateMachinePlan | undefined)?.overruled : undefined,
        findings: findingsError?.findings,
      };
    }
    throw error;
  } finally {
    aws.destroy();
  }
}

/** The release `to` names, its image checked in the repository: a rollback that cannot finish fails before any write. */
async function findReleaseOf(aws: AwsClients, preflight: Preflight, to: string, logger: Logger): Promise<Release> {
  const fn = preflight.function;
  const machine = preflight.stateMachine;
  if (!fn || !machine) throw new Error('A rollback needs the function and the state machine from the preflight.');
  const release = await logger.group(`Release ${to}`, () =>
    findRelease({ lambda: aws.client(LambdaClient), sfn: aws.client(SFNClient) }, { functionName: fn.name, functionArn: fn.arn, stateMachineArn: machine.arn }, to),
  );
  logger.info(describeRelease(release));
  await assertImageExists(aws, preflight, release);
  return release;
}

/** The release's image must still be in ECR (a lifecycle policy may have expired it): else Lambda refuses it mid-rollback. */
async function assertImageExists(aws: AwsClients, preflight: Preflight, release: Release): Promise<void> {
  const digest = digestOf(release.imageUri);
  const repository = preflight.repository;
  if (!digest || !repository) return;
  try {
    await aws.client(ECRClient).send(new DescribeImagesCommand({ repositoryName: repository.name, registryId: repository.registryId, imageIds: [{ imageDigest: digest }] }));
  } catch (error) {
    if (errorName(error) === 'ImageNotFoundException') {
      throw new DeployError(
        `Release ${release.to} runs ${release.imageUri}, which is no longer in the ECR repository ${repository.name}; nothing was changed.`,
        'A lifecycle policy may have expired it: push that image again (deploy the release\'s commit with input `image-tag`), or roll back to a newer release.',
      );
    }
    throw new DeployError(`ECR DescribeImages on ${repository.name} failed: ${describeError(error)}`, undefined, { cause: error });
  }
}

function takeLock(aws: AwsClients, bucket: string, settings: Settings, git: GitContext, logger: Logger): Promise<Lock> {
  return acquireDeployLock(
    aws.client(S3Client),
    {
      bucket,
      owner: { runId: git.runId ?? `run-${process.pid}`, sha: git.sha, actor: git.actor, url: git.runUrl },
      ttlSeconds: settings.lock.ttlMinutes * 60,
      waitSeconds: settings.lock.timeoutMinutes * 60,
    },
    logger,
  );
}

function outputsOf(mode: 'plan' | 'deploy', result: PipelineResult): Record<string, string> {
  const outputs = collectOutputs(result.reports);
  if (mode === 'plan') {
    outputs.plan = JSON.stringify(result.reports.map(({ step, status, details }) => ({ step, status, details: Object.fromEntries(details) })));
  }
  return outputs;
}

/** Where each resource is in the AWS console, for the job summary. */
export function consoleLinks(
  region: string,
  accountId: string,
  resources: { ecrRepository: string; lambdaFunction: string; stateMachine?: string; bucket: string },
): NonNullable<DeployResult['consoleLinks']> {
  const home = `https://${region}.console.aws.amazon.com`;
  const q = `region=${region}`;
  const links: NonNullable<DeployResult['consoleLinks']> = {
    ecrRepository: `${home}/ecr/repositories/private/${accountId}/${resources.ecrRepository}?${q}`,
    lambdaFunction: `${home}/lambda/home?${q}#/functions/${encodeURIComponent(resources.lambdaFunction)}`,
    bucket: `https://s3.console.aws.amazon.com/s3/buckets/${resources.bucket}?${q}`,
  };
  if (resources.stateMachine) links.stateMachine = `${home}/states/home?${q}#/statemachines/view/${encodeURIComponent(resources.stateMachine)}`;
  return links;
}

function failed(message: string, hint: string): DeployResult {
  return { steps: [], outputs: {}, failure: { message, hint } };
}
