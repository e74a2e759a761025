/**
 * The Lambda step: point the function at the new image (repository@digest), wait until the update is done, set
 * IMAGE_TAG in its environment (keeping every other variable), and optionally publish a version and move an alias
 * to it. `undo` puts the previous image, IMAGE_TAG and alias back. The guarded writes are in function.ts.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { digestOf } from '../ground/resources.ts';
import { imageTagsFor, shouldPublish } from '../ground/settings/deploy.ts';
import type { Step, StepContext, StepReport } from '../ground/step.ts';
import type { ImageOutcome, ImagePlan } from '../image/step.ts';
import { LambdaFunction } from './function.ts';

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
  publish: boolean;
  alias?: string;
  versionDescription: string;
}

export interface LambdaOutcome {
  functionName: string;
  imageUri: string;
  codeUpdated: boolean;
  environmentUpdated: boolean;
  version?: string;
  aliasArn?: string;
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

  /**
   * Reads the function's configuration (GetFunctionConfiguration) and refuses one whose environment Lambda could
   * not read. The new image is the image step's: known when it is already in the repository, else to be built.
   */
  async plan(context: StepContext): Promise<LambdaPlan> {
    const fn = this.#facts(context);
    const { settings, git } = context;
    const imageUri = (context.plans.get('image') as ImagePlan | undefined)?.imageUri;
    const imageTag = imageTagsFor(settings.deploy, git)[0];
    const newDigest = imageUri ? digestOf(imageUri) : undefined;
    const lambda = this.#function(context);
    const variables = lambda.variables(await lambda.configuration(), 'nothing was changed');
    return {
      functionName: fn.name,
      functionArn: fn.arn,
      currentImageUri: fn.imageUri,
      imageUri,
      imageTag,
      codeChanges: newDigest === undefined ? undefined : newDigest !== fn.imageDigest,
      environmentChanges: variables.IMAGE_TAG !== imageTag,
      publish: shouldPublish(settings.deploy, git),
      alias: settings.deploy.alias,
      versionDescription: `${imageTag} (commit ${(git.sha ?? '').slice(0, 12)})`,
    };
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
      if (variables.IMAGE_TAG === plan.imageTag) return undefined;
      outcome.previous.imageTag = variables.IMAGE_TAG; // what undo() puts back: the value just replaced
      logger.info(`Setting IMAGE_TAG=${plan.imageTag} in ${name}'s environment (other variables kept).`);
      return { ...variables, IMAGE_TAG: plan.imageTag };
    });

    if (plan.publish) {
      outcome.version = await lambda.publishVersion(plan.versionDescription);
      if (plan.alias && outcome.version) {
        const moved = await lambda.moveAlias(plan.alias, outcome.version);
        outcome.aliasArn = moved.aliasArn;
        outcome.previous.aliasVersion = moved.previousVersion;
        outcome.previous.aliasCreated = moved.created;
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
  if (plan.publish) details.push(['Publish', `a version${plan.alias ? `, alias ${plan.alias} moved to it` : ''}`]);
  return { step: 'lambda', status: changes ? 'would update' : 'unchanged', details, outputs: {} };
}

function reportOutcome(outcome: LambdaOutcome): StepReport {
  const details: StepReport['details'] = [
    ['Function', outcome.functionName],
    ['Image', outcome.imageUri],
    ['Previous image', outcome.previous.imageUri],
  ];
  if (outcome.version) details.push(['Version', outcome.version]);
  if (outcome.aliasArn) details.push(['Alias', outcome.aliasArn]);
  const changed = outcome.codeUpdated || outcome.environmentUpdated;
  return {
    step: 'lambda',
    status: changed ? 'updated' : outcome.version ? 'unchanged, version published' : 'unchanged',
    details,
    outputs: outcome.version ? { 'lambda-version': outcome.version } : {},
  };
}
