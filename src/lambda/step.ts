/**
 * The Lambda step: point the function at the new image (repository@digest), wait until the update is done, set
 * IMAGE_TAG in its environment (keeping every other variable), publish a version when it changed (the version the
 * state machine's definition is pinned to, and a release's), and on a release move the alias to it. In a rollback
 * the image, IMAGE_TAG and version are the release's, and nothing is published. `undo` puts the previous image,
 * IMAGE_TAG and alias back. The guarded writes are in function.ts.
 */
import { LambdaClient, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DeployError } from '../ground/errors.ts';
import { digestOf } from '../ground/resources.ts';
import { tagOfRef } from '../ground/git.ts';
import { releaseDescription } from '../ground/release.ts';
import { imageTagsFor, shouldPublish } from '../ground/settings/deploy.ts';
import type { Settings } from '../ground/settings/index.ts';
import type { Step, StepContext, StepName, StepReport } from '../ground/step.ts';
import type { ImageOutcome, ImagePlan } from '../image/step.ts';
import { LambdaFunction, versionMatching } from './function.ts';
import { deleteVersions, readPruneFacts, versionsToPrune } from './prune.ts';

export interface LambdaPlan {
  functionName: string;
  functionArn: string;
  currentImageUri: string;
  /** repository@digest; undefined in a plan while the image is still to be built. */
  imageUri?: string;
  imageTag: string;
  /** undefined when the new digest is not known yet (image to build). */
  codeChanges?: boolean;
  environmentChanges: boolean;
  /** A release: publish a version (input `publish`) and move the alias. */
  publish: boolean;
  /** The state machine calls a version of the function (input `pin-lambda-version`, and every rollback). */
  pin: boolean;
  /**
   * The version the run ends on when it is known now: a rollback's, or the published version equal to the
   * function once this plan is applied (nothing to change, nothing to publish). Undefined: published by apply.
   */
  version?: string;
  /** The newest published version equal to the function as it is now (what the state machine may pin when the Lambda step is not run). */
  versionMatchingNow?: string;
  alias?: string;
  versionDescription: string;
  /** A rollback: the release this plan goes back to. */
  release?: string;
  /** Old versions nothing refers to, deleted after the apply (input `keep-lambda-versions`); `gap`: why none can be. */
  prune: { versions: string[]; gap?: string };
}

export interface LambdaOutcome {
  functionName: string;
  imageUri: string;
  codeUpdated: boolean;
  environmentUpdated: boolean;
  /** The version the run ends on (published, reused or a rollback's); undefined without pin or publish. */
  version?: string;
  versionArn?: string;
  /** True when this run published `version`. */
  versionPublished?: boolean;
  aliasArn?: string;
  /** The old versions deleted (input `keep-lambda-versions`). */
  pruned?: string[];
  /** What undo() restores. */
  previous: { imageUri: string; imageTag?: string; aliasVersion?: string; aliasCreated?: boolean };
}

export interface LambdaStepOptions {
  /** Seconds between status polls: the SDK waiter's bounds (defaults 1 and 15). */
  pollDelay?: { min: number; max: number };
}

export class LambdaStep implements Step<LambdaPlan, LambdaOutcome> {
  readonly name = 'lambda' as const;
  readonly title = 'Lambda';
  readonly needs = ['ecrRepository', 'lambdaFunction'] as const;
  readonly #options: LambdaStepOptions;

  constructor(options: LambdaStepOptions = {}) {
    this.#options = options;
  }

  /** Also planned for the state machine alone when it pins: it needs to know which version to name. */
  isPlanned(selected: ReadonlySet<StepName>, settings: Settings): boolean {
    return selected.has('lambda') || (selected.has('state-machine') && settings.deploy.pinLambdaVersion);
  }

  /**
   * Reads the function's configuration (GetFunctionConfiguration) and refuses one whose environment Lambda could
   * not read. The new image is the image step's: known when it is already in the repository, else to be built.
   */
  async plan(context: StepContext): Promise<LambdaPlan> {
    const fn = this.#facts(context);
    const { settings, git } = context;
    const release = context.preflight.release;
    const imageUri = release ? release.imageUri : (context.plans.get('image') as ImagePlan | undefined)?.imageUri;
    // A release without IMAGE_TAG leaves the variable as it is (imageTag '' means: do not touch it).
    const imageTag = release ? (release.imageTag ?? '') : imageTagsFor(settings.deploy, git)[0];
    const newDigest = imageUri ? digestOf(imageUri) : undefined;
    const lambda = this.#function(context);
    const configuration = await lambda.configuration();
    const variables = lambda.variables(configuration, 'nothing was changed');
    const codeChanges = newDigest === undefined ? undefined : newDigest !== fn.imageDigest;
    const environmentChanges = imageTag !== '' && variables.IMAGE_TAG !== imageTag;
    const publish = !release && shouldPublish(settings.deploy, git);
    const pin = release !== undefined || settings.deploy.pinLambdaVersion;
    const versions = pin || publish ? await lambda.versions() : [];
    const versionMatchingNow = versionMatching(versions, configuration);
    const unchanged = codeChanges === false && !environmentChanges;
    const version = release ? release.lambdaVersion : unchanged ? versionMatchingNow : undefined;
    return {
      functionName: fn.name,
      functionArn: fn.arn,
      currentImageUri: fn.imageUri,
      imageUri,
      imageTag,
      codeChanges,
      environmentChanges,
      publish,
      pin,
      version,
      versionMatchingNow,
      alias: settings.deploy.alias,
      versionDescription: releaseDescription({ tag: tagOfRef(git.ref), commit: git.sha }),
      release: release?.to,
      prune: release || !(pin || publish) || !context.selected.has('lambda') ? { versions: [] } : await this.#prunePlan(context, fn.name, versions, version, versionMatchingNow),
    };
  }

  /** The versions to delete once this deploy's version is in place: the newest `keep-lambda-versions` stay, with it. */
  async #prunePlan(
    context: StepContext,
    functionName: string,
    published: readonly FunctionConfiguration[],
    version: string | undefined,
    matching: string | undefined,
  ): Promise<LambdaPlan['prune']> {
    const keep = context.settings.deploy.keepLambdaVersions;
    const machine = context.preflight.stateMachine;
    if (keep === 0) return { versions: [] };
    if (!machine) return { versions: [], gap: 'the state machine was not read (add `state-machine` to input `steps`)' };
    let facts;
    try {
      const clients = { lambda: context.aws.client(LambdaClient), sfn: context.aws.client(SFNClient) };
      facts = await readPruneFacts(clients, functionName, machine.arn, published.map((item) => item.Version ?? ''));
    } catch (error) {
      // Pruning is housekeeping: what cannot be read (a role without the list permissions) never blocks a deploy.
      const gap = error instanceof DeployError ? error.message : String(error);
      context.logger.warning(`Old Lambda versions are kept: ${gap}`);
      return { versions: [], gap };
    }
    // The version to publish takes one of the places kept: it counts as the newest.
    const toPublish = version === undefined ? [String(Math.max(0, ...facts.versions.map(Number)) + 1)] : [];
    const alsoKeep = new Set([version, matching].filter((item): item is string => item !== undefined));
    return { versions: versionsToPrune({ ...facts, versions: [...facts.versions, ...toPublish] }, keep, alsoKeep), gap: facts.gap };
  }

  async apply(plan: LambdaPlan, context: StepContext): Promise<LambdaOutcome> {
    const { logger } = context;
    const fn = this.#facts(context);
    const imageUri = (context.outcomes.get('image') as ImageOutcome | undefined)?.imageUri ?? plan.imageUri;
    if (!imageUri || !digestOf(imageUri)) throw new Error('The Lambda step needs the image as repository@sha256:digest.');
    const lambda = this.#function(context);
    const name = plan.functionName;
    const outcome: LambdaOutcome = {
      functionName: name,
      imageUri,
      codeUpdated: false,
      environmentUpdated: false,
      versionPublished: false,

      previous: { imageUri: fn.imageUri, imageTag: fn.environment.IMAGE_TAG },
    };

    if (digestOf(imageUri) !== fn.imageDigest) {
      logger.info(`Updating ${name} to ${imageUri}`);
      // The environment is checked again before the first write: the image may have taken minutes to build.
      await lambda.updateCode(imageUri, 'nothing was changed');
      outcome.codeUpdated = true;
      await lambda.waitUntilUpdated();
    } else {
      logger.info(`${name} already runs ${imageUri}.`);
    }

    const unchanged = outcome.codeUpdated ? `${name} now runs ${imageUri} but IMAGE_TAG was not set` : 'nothing was changed';
    outcome.environmentUpdated = await lambda.setEnvironment(unchanged, (variables) => {
      if (plan.imageTag === '' || variables.IMAGE_TAG === plan.imageTag) return undefined;
      outcome.previous.imageTag = variables.IMAGE_TAG; // what undo() puts back: the value just replaced
      logger.info(`Setting IMAGE_TAG=${plan.imageTag} in ${name}'s environment (other variables kept).`);
      return { ...variables, IMAGE_TAG: plan.imageTag };
    });

    if (plan.release !== undefined) {
      outcome.version = plan.version; // the release's version: a rollback publishes nothing
    } else if (plan.pin || plan.publish) {
      const changed = outcome.codeUpdated || outcome.environmentUpdated;
      if (!changed && plan.version !== undefined) {
        outcome.version = plan.version;
        logger.info(`${name} is unchanged: the state machine keeps calling version ${plan.version}.`);
      } else {
        // Lambda publishes nothing when nothing changed since the last version: it answers with that one.
        outcome.version = await lambda.publishVersion(plan.versionDescription);
        outcome.versionPublished = outcome.version !== plan.versionMatchingNow;
      }
    }
    if (outcome.version !== undefined) outcome.versionArn = `${plan.functionArn}:${outcome.version}`;
    if (plan.alias && outcome.version && (plan.publish || plan.release !== undefined)) {
      const moved = await lambda.moveAlias(plan.alias, outcome.version);
      outcome.aliasArn = moved.aliasArn;
      outcome.previous.aliasVersion = moved.previousVersion;
      outcome.previous.aliasCreated = moved.created;
    }
    const prune = plan.prune.versions.filter((old) => old !== outcome.version && old !== outcome.previous.aliasVersion);
    if (prune.length > 0) {
      try {
        const { deleted, kept } = await deleteVersions(context.aws.client(LambdaClient), name, prune, logger);
        outcome.pruned = deleted;
        for (const { version, why } of kept) logger.info(`Version ${version} of ${name} kept: ${why}.`);
      } catch (error) {
        // The deploy itself is done: a failed clean-up is a warning, and the next deploy tries again.
        logger.warning(`Deleting old versions of ${name} failed; the next deploy tries again: ${(error as Error).message}`);
      }
    }
    return outcome;
  }

  /** Puts back the image, IMAGE_TAG and alias that were there before apply(). */
  async undo(outcome: LambdaOutcome, context: StepContext): Promise<string | undefined> {
    const lambda = this.#function(context);
    const name = outcome.functionName;
    const done: string[] = [];
    if (outcome.codeUpdated) {
      context.logger.warning(`Rolling ${name} back to ${outcome.previous.imageUri}`);
      // Putting the image back does not touch the variables: an unreadable environment does not stop it.
      await lambda.updateCode(outcome.previous.imageUri);
      await lambda.waitUntilUpdated();
      done.push(`image back to ${outcome.previous.imageUri}`);
    }
    if (outcome.environmentUpdated) {
      const unchanged = `IMAGE_TAG was not put back${done.length ? ` (${done.join('; ')})` : ''}`;
      await lambda.setEnvironment(unchanged, (current) => {
        const variables = { ...current };
        if (outcome.previous.imageTag === undefined) delete variables.IMAGE_TAG;
        else variables.IMAGE_TAG = outcome.previous.imageTag;
        return variables;
      });
      done.push(outcome.previous.imageTag === undefined ? 'IMAGE_TAG removed' : `IMAGE_TAG back to ${outcome.previous.imageTag}`);
    }
    if (outcome.aliasArn) {
      const alias = outcome.aliasArn.split(':').at(-1) ?? '';
      if (outcome.previous.aliasVersion) {
        await lambda.pointAlias(alias, outcome.previous.aliasVersion);
        done.push(`alias ${alias} back to version ${outcome.previous.aliasVersion}`);
      } else if (outcome.previous.aliasCreated) {
        await lambda.deleteAlias(alias);
        done.push(`alias ${alias} (created by this deploy) deleted`);
      }
    }
    return done.length > 0 ? `The Lambda function ${name} was rolled back: ${done.join('; ')}.` : undefined;
  }

  report(plan: LambdaPlan, outcome?: LambdaOutcome): StepReport {
    return outcome ? reportOutcome(outcome) : reportPlan(plan);
  }

  #facts(context: StepContext) {
    const fn = context.preflight.function;
    if (!fn) throw new Error('The Lambda step needs the function from the preflight.');
    return fn;
  }

  #function(context: StepContext): LambdaFunction {
    return new LambdaFunction({
      lambda: context.aws.client(LambdaClient),
      logger: context.logger,
      name: this.#facts(context).name,
      waitTimeoutMinutes: context.settings.deploy.waitTimeoutMinutes,
      pollDelay: this.#options.pollDelay,
    });
  }
}

function reportPlan(plan: LambdaPlan): StepReport {
  const changes = plan.codeChanges !== false || plan.environmentChanges;
  const details: StepReport['details'] = [
    ['Function', plan.functionName],
    ['Current image', plan.currentImageUri || '(none)'],
    ['New image', plan.imageUri ?? `the image to be built (tag ${plan.imageTag})`],
    ['IMAGE_TAG', plan.environmentChanges ? `would become ${plan.imageTag}` : `already ${plan.imageTag}`],
  ];
  if (plan.release !== undefined) details.unshift(['Rollback to', `${plan.release} (version ${plan.version})`]);
  else if (plan.pin || plan.publish) {
    details.push(['Version', plan.version === undefined ? 'a new one would be published' : `${plan.version} (already published for this image and configuration)`]);
  }
  if (plan.prune.versions.length > 0) details.push(['Old versions', `would delete ${plan.prune.versions.join(', ')} (keep-lambda-versions)`]);
  else if (plan.prune.gap) details.push(['Old versions', `none deleted: ${plan.prune.gap}`]);
  if (plan.alias && (plan.publish || plan.release !== undefined)) details.push(['Alias', `${plan.alias} would point to ${plan.version === undefined ? 'the new version' : `version ${plan.version}`}`]);
  const status = plan.release !== undefined ? (changes ? 'would roll back' : 'already on the release') : changes ? 'would update' : 'unchanged';
  return { step: 'lambda', status, details, outputs: plan.version === undefined ? {} : versionOutputs(plan.version, `${plan.functionArn}:${plan.version}`) };
}

function reportOutcome(outcome: LambdaOutcome): StepReport {
  const details: StepReport['details'] = [
    ['Function', outcome.functionName],
    ['Image', outcome.imageUri],
    ['Previous image', outcome.previous.imageUri],
  ];
  if (outcome.version) details.push(['Version', `${outcome.version}${outcome.versionPublished ? ' (published by this run)' : ''}`]);
  if (outcome.aliasArn) {
    const before = outcome.previous.aliasCreated ? 'created' : `was version ${outcome.previous.aliasVersion ?? '?'}`;
    details.push(['Alias', `${outcome.aliasArn} → version ${outcome.version} (${before})`]);
  }
  if (outcome.pruned?.length) details.push(['Old versions deleted', outcome.pruned.join(', ')]);
  const changed = outcome.codeUpdated || outcome.environmentUpdated;
  return {
    step: 'lambda',
    status: changed ? 'updated' : outcome.versionPublished ? 'unchanged, version published' : 'unchanged',
    details,
    outputs: outcome.version && outcome.versionArn ? versionOutputs(outcome.version, outcome.versionArn) : {},
  };
}

function versionOutputs(version: string, versionArn: string): Record<string, string> {
  return { 'lambda-version': version, 'lambda-version-arn': versionArn };
}
