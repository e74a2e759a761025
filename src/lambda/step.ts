/**
 * The Lambda step: point the function at the new image (repository@digest), wait until the update is done,
 * set IMAGE_TAG in its environment (keeping every other variable), and optionally publish a version and move
 * an alias to it. Calls made while an earlier update is still in progress (ResourceConflictException) wait for
 * it and retry. `rollback()` puts the previous image, environment and alias back.
 *
 * The environment is a read-modify-write of the whole variable set, so each write is guarded twice: a
 * configuration whose variables Lambda could not read (`Environment.Error`, e.g. a KMS key disabled or not
 * usable by Lambda: the variables are missing from the answer) is refused before anything is written, since
 * writing it back would erase every variable but IMAGE_TAG; and each Update* call carries the `RevisionId` read
 * just before it, so a change made by someone else in between is refused by Lambda (PreconditionFailedException)
 * and reported, never overwritten. A retry after ResourceConflictException reads the function again first.
 */
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitForFunctionUpdatedV2,
  waitForPublishedVersionActive,
} from '@aws-sdk/client-lambda';
import type { GetFunctionCommandOutput, GetFunctionConfigurationCommandOutput } from '@aws-sdk/client-lambda';
import type { Logger } from '../ground/logger.ts';
import type { AwsClients } from '../ground/aws.ts';
import type { FunctionFacts, Preflight } from '../pipeline/preflight.ts';
import { describeError, digestOf, errorName } from '../pipeline/preflight.ts';
import { DeployError } from '../ground/step.ts';
import type { DeployStep, StepReport } from '../ground/step.ts';

/** `{ RevisionId }` of a configuration read, to send with the write that follows it (nothing when absent). */
const revision = (configuration: { RevisionId?: string }) => (configuration.RevisionId ? { RevisionId: configuration.RevisionId } : {});

/** Text from AWS in a message: one bounded line. */
const cut = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…` : text).replace(/\s+/g, ' ');

/** What a guarded write sent: the RevisionId it read, and what the run has (not) done if Lambda refuses it. */
interface RevisionGuard {
  revisionId?: string;
  unchanged?: string;
}

/** What to do when AWS kept failing a call after every retry. */
const RERUN_HINT = 'AWS kept failing after every retry: re-run the job (it resumes where this run stopped; raise input `max-attempts` if AWS throttles).';

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
  /** What rollback() restores. */
  previous: { imageUri: string; imageTag?: string; aliasVersion?: string };
}

export interface LambdaStepOptions {
  clients: AwsClients;
  logger: Logger;
  preflight: Preflight;
  imageTag: string;
  /** Used in the version description. */
  commitSha: string;
  publish: boolean;
  alias?: string;
  waitTimeoutMinutes: number;
  /** Seconds between status polls: the SDK waiter's bounds (defaults 1 and 15). */
  pollDelay?: { min: number; max: number };
}

export class LambdaStep implements DeployStep<LambdaPlan, LambdaOutcome> {
  readonly name = 'lambda' as const;
  readonly #o: LambdaStepOptions;
  readonly #fn: FunctionFacts;

  constructor(options: LambdaStepOptions) {
    this.#o = options;
    if (!options.preflight.function) throw new Error('LambdaStep needs the function from the preflight.');
    this.#fn = options.preflight.function;
  }

  /**
   * Read-only: reads the function's configuration (GetFunctionConfiguration) and refuses one whose environment
   * Lambda could not read. `imageUri` is repository@digest when the image is known (already pushed), else undefined.
   */
  async plan(imageUri?: string): Promise<LambdaPlan> {
    const fn = this.#fn;
    const newDigest = imageUri ? digestOf(imageUri) : undefined;
    const configuration = await this.#configuration(fn.name);
    const variables = this.#variables(configuration, 'nothing was changed');
    return {
      functionName: fn.name,
      functionArn: fn.arn,
      currentImageUri: fn.imageUri,
      imageUri,
      imageTag: this.#o.imageTag,
      codeChanges: newDigest === undefined ? undefined : newDigest !== fn.imageDigest,
      environmentChanges: variables.IMAGE_TAG !== this.#o.imageTag,
      publish: this.#o.publish,
      alias: this.#o.alias,
      versionDescription: `${this.#o.imageTag} (commit ${this.#o.commitSha.slice(0, 12)})`,
    };
  }

  async apply(plan: LambdaPlan): Promise<LambdaOutcome> {
    const { logger } = this.#o;
    const imageUri = plan.imageUri;
    if (!imageUri || !digestOf(imageUri)) throw new Error('LambdaStep.apply needs the image as repository@sha256:digest.');
    const name = plan.functionName;
    const previousEnvironment = this.#fn.environment;
    const outcome: LambdaOutcome = {
      functionName: name,
      imageUri,
      codeUpdated: false,
      environmentUpdated: false,
      previous: { imageUri: this.#fn.imageUri, imageTag: previousEnvironment.IMAGE_TAG },
    };

    if (digestOf(imageUri) !== this.#fn.imageDigest) {
      logger.info(`Updating ${name} to ${imageUri}`);
      // The environment is checked again before the first write: the image may have taken minutes to build.
      await this.#updateCode(name, imageUri, 'nothing was changed');
      outcome.codeUpdated = true;
      await this.waitUntilUpdated(name);
    } else {
      logger.info(`${name} already runs ${imageUri}.`);
    }

    const unchanged = outcome.codeUpdated ? `${name} now runs ${imageUri} but IMAGE_TAG was not set` : 'nothing was changed';
    const environmentUpdated = await this.#setEnvironment(name, unchanged, (variables) => {
      if (variables.IMAGE_TAG === plan.imageTag) return undefined;
      outcome.previous.imageTag = variables.IMAGE_TAG; // what rollback() puts back: the value just replaced
      logger.info(`Setting IMAGE_TAG=${plan.imageTag} in ${name}'s environment (other variables kept).`);
      return { ...variables, IMAGE_TAG: plan.imageTag };
    });
    outcome.environmentUpdated = environmentUpdated;

    if (plan.publish) {
      const published = await this.#withConflictRetry('PublishVersion', () =>
        this.#o.clients.lambda.send(new PublishVersionCommand({ FunctionName: name, Description: plan.versionDescription })),
      );
      outcome.version = published.Version;
      logger.info(`Published ${name} version ${published.Version}.`);
      const waited = await waitForPublishedVersionActive(
        this.#waiterConfig(),
        { FunctionName: name, Qualifier: published.Version },
      );
      if (waited.state !== 'SUCCESS') {
        throw new DeployError(`Version ${published.Version} of ${name} did not become active (${waited.state}).`);
      }
      if (plan.alias && published.Version) {
        const moved = await this.#moveAlias(name, plan.alias, published.Version);
        outcome.aliasArn = moved.aliasArn;
        outcome.previous.aliasVersion = moved.previousVersion;
      }
    }
    return outcome;
  }

  /** Puts back the image, IMAGE_TAG and alias that were there before apply(). Returns what it did. */
  async rollback(outcome: LambdaOutcome): Promise<string[]> {
    const { logger } = this.#o;
    const name = outcome.functionName;
    const done: string[] = [];
    if (outcome.codeUpdated) {
      logger.warning(`Rolling ${name} back to ${outcome.previous.imageUri}`);
      // Putting the image back does not touch the variables: an unreadable environment does not stop it.
      await this.#updateCode(name, outcome.previous.imageUri);
      await this.waitUntilUpdated(name);
      done.push(`image back to ${outcome.previous.imageUri}`);
    }
    if (outcome.environmentUpdated) {
      const unchanged = `IMAGE_TAG was not put back${done.length ? ` (${done.join('; ')})` : ''}`;
      await this.#setEnvironment(name, unchanged, (current) => {
        const variables = { ...current };
        if (outcome.previous.imageTag === undefined) delete variables.IMAGE_TAG;
        else variables.IMAGE_TAG = outcome.previous.imageTag;
        return variables;
      });
      done.push(outcome.previous.imageTag === undefined ? 'IMAGE_TAG removed' : `IMAGE_TAG back to ${outcome.previous.imageTag}`);
    }
    if (outcome.aliasArn && outcome.previous.aliasVersion) {
      const alias = outcome.aliasArn.split(':').at(-1) ?? '';
      await this.#o.clients.lambda.send(
        new UpdateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: outcome.previous.aliasVersion }),
      );
      done.push(`alias ${alias} back to version ${outcome.previous.aliasVersion}`);
    }
    return done;
  }

  reportPlan(plan: LambdaPlan): StepReport {
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

  reportOutcome(outcome: LambdaOutcome): StepReport {
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

  /** Waits until LastUpdateStatus is Successful; a DeployError with the reason when it fails or takes too long. */
  async waitUntilUpdated(name: string): Promise<void> {
    const result = await waitForFunctionUpdatedV2(this.#waiterConfig(), { FunctionName: name });
    if (result.state === 'SUCCESS') return;
    if (result.state === 'FAILURE') {
      const configuration = (result.reason as GetFunctionCommandOutput | undefined)?.Configuration;
      const reason = configuration?.LastUpdateStatusReason ?? 'no reason given';
      const code = configuration?.LastUpdateStatusReasonCode;
      throw new DeployError(
        `The update of Lambda function ${name} failed: ${reason}${code ? ` (${code})` : ''}.`,
        'Check that the image runs on the function’s architecture and that the function’s role can pull from ECR.',
      );
    }
    throw new DeployError(
      `Lambda function ${name} was still updating (LastUpdateStatus InProgress) after ${this.#o.waitTimeoutMinutes} minute(s).`,
      'Raise input `wait-timeout-minutes`, or look at the function in the console.',
    );
  }

  #waiterConfig() {
    const delay = this.#o.pollDelay ?? { min: 1, max: 15 };
    return {
      client: this.#o.clients.lambda,
      maxWaitTime: Math.max(this.#o.waitTimeoutMinutes * 60, delay.min * 2),
      minDelay: delay.min,
      maxDelay: delay.max,
    };
  }

  async #configuration(name: string): Promise<GetFunctionConfigurationCommandOutput> {
    try {
      return (await this.#o.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))) ?? {};
    } catch (error) {
      throw new DeployError(`Lambda GetFunctionConfiguration on ${name} failed: ${describeError(error)}`, RERUN_HINT, { cause: error });
    }
  }

  /**
   * The variables of a configuration just read. When Lambda reports an error on them (Environment.Error: the
   * answer then lacks them), a DeployError: writing the environment back would erase them. `unchanged` says what
   * the run has (not) done at that point.
   */
  #variables(configuration: GetFunctionConfigurationCommandOutput, unchanged: string): Record<string, string> {
    const problem = configuration.Environment?.Error;
    if (problem) {
      const name = this.#fn.name;
      const what = [problem.ErrorCode, problem.Message].filter(Boolean).map((text) => cut(String(text))).join(': ') || 'no details given';
      throw new DeployError(
        `Lambda function ${name} reports an error on its environment variables (${what}): Lambda cannot read them, and setting IMAGE_TAG would replace them all; ${unchanged}.`,
        `Fix the function's KMS key (enabled, and usable by Lambda and by this deploy role: kms:Decrypt) or its permissions, check the variables in the Lambda console (aws lambda get-function-configuration --function-name ${name}), then re-run the job.`,
      );
    }
    return { ...(configuration.Environment?.Variables ?? {}) };
  }

  /** UpdateFunctionCode guarded by the RevisionId read just before; `checkEnvironment`: refuse an unreadable environment first. */
  async #updateCode(name: string, imageUri: string, checkEnvironment?: string): Promise<void> {
    await this.#withConflictRetry('UpdateFunctionCode', async (guard) => {
      const configuration = await this.#configuration(name);
      if (checkEnvironment !== undefined) this.#variables(configuration, checkEnvironment);
      guard.revisionId = configuration.RevisionId;
      guard.unchanged = checkEnvironment;
      return this.#o.clients.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ImageUri: imageUri, ...revision(configuration) }));
    });
  }

  /**
   * Read-modify-write of the environment: reads the configuration, lets `change` compute the new variables from
   * the current ones (undefined: nothing to write) and writes them with the RevisionId read. Returns whether it wrote.
   */
  async #setEnvironment(name: string, unchanged: string, change: (variables: Record<string, string>) => Record<string, string> | undefined): Promise<boolean> {
    let written = false;
    await this.#withConflictRetry('UpdateFunctionConfiguration', async (guard) => {
      const configuration = await this.#configuration(name);
      const variables = change(this.#variables(configuration, unchanged));
      if (!variables) return;
      guard.revisionId = configuration.RevisionId;
      guard.unchanged = unchanged;
      await this.#o.clients.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: variables }, ...revision(configuration) }),
      );
      written = true;
    });
    if (written) await this.waitUntilUpdated(name);
    return written;
  }

  async #moveAlias(name: string, alias: string, version: string): Promise<{ aliasArn?: string; previousVersion?: string }> {
    const lambda = this.#o.clients.lambda;
    let previousVersion: string | undefined;
    try {
      previousVersion = (await lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias }))).FunctionVersion;
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') {
        throw new DeployError(`Lambda GetAlias ${alias} on ${name} failed: ${describeError(error)}`, RERUN_HINT, { cause: error });
      }
    }
    if (previousVersion === undefined) {
      try {
        const created = await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version }));
        this.#o.logger.info(`Created alias ${alias} → version ${version}.`);
        return { aliasArn: created.AliasArn };
      } catch (error) {
        // "Alias already exists": our create took effect but its answer was lost (the SDK's retry met it), or
        // another run created it meanwhile. Either way it exists now: move it below.
        if (errorName(error) !== 'ResourceConflictException') {
          throw new DeployError(`Lambda CreateAlias ${alias} on ${name} failed: ${describeError(error)}`, RERUN_HINT, { cause: error });
        }
        this.#o.logger.info(`Alias ${alias} of ${name} exists already (${describeError(error)}): moving it.`);
      }
    }
    const updated = await this.#withConflictRetry('UpdateAlias', () =>
      lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version })),
    );
    this.#o.logger.info(`Moved alias ${alias} from version ${previousVersion ?? "(just created)"} to ${version}.`);
    return { aliasArn: updated.AliasArn, previousVersion };
  }

  /**
   * Runs `call`; while Lambda answers ResourceConflictException (an update in progress), waits for it and retries.
   * A call that sets `guard.revisionId` sends it: PreconditionFailedException then means the function changed
   * since that read, and is reported (not retried: the other change would be overwritten).
   */
  async #withConflictRetry<T>(what: string, call: (guard: RevisionGuard) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#o.waitTimeoutMinutes * 60_000;
    for (let attempt = 1; ; attempt++) {
      const guard: RevisionGuard = {};
      try {
        return await call(guard);
      } catch (error) {
        if (error instanceof DeployError) throw error;
        if (errorName(error) === 'PreconditionFailedException') {
          throw new DeployError(
            `Lambda ${what} on ${this.#fn.name} was refused: the function changed after this run read it (revision ${guard.revisionId ?? 'unknown'}), so this write was not made and the other change was kept${guard.unchanged ? `; ${guard.unchanged}` : ''} (${describeError(error)}).`,
            'Someone or something else (another deploy, terraform, the console) updated the function meanwhile: check what changed, then re-run the job, which reads the function again.',
            { cause: error },
          );
        }
        if (errorName(error) !== 'ResourceConflictException') {
          throw new DeployError(`Lambda ${what} on ${this.#fn.name} failed: ${describeError(error)}`, undefined, { cause: error });
        }
        if (Date.now() >= deadline) {
          throw new DeployError(
            `Lambda ${what} on ${this.#fn.name} kept failing with ResourceConflictException (an update in progress) for ${this.#o.waitTimeoutMinutes} minute(s).`,
            'Raise input `wait-timeout-minutes` or wait for the other update to finish.',
          );
        }
        this.#o.logger.info(`${what}: another update of ${this.#fn.name} is in progress, waiting (attempt ${attempt}).`);
        await this.waitUntilUpdated(this.#fn.name);
        await new Promise((done) => setTimeout(done, (this.#o.pollDelay?.min ?? 1) * 1000));
      }
    }
  }
}
