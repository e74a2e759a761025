/**
 * One Lambda function, written to the way a deploy must: every environment write is a read-modify-write guarded
 * twice. A configuration whose variables Lambda could not read (`Environment.Error`, e.g. a KMS key disabled or not
 * usable by Lambda: the variables are missing from the answer) is refused before anything is written, since
 * writing it back would erase every variable but IMAGE_TAG; and each Update* call carries the `RevisionId` read
 * just before it, so a change made by someone else in between is refused by Lambda (PreconditionFailedException)
 * and reported, never overwritten. Calls made while an earlier update is still in progress
 * (ResourceConflictException) wait for it, read the function again and retry.
 */
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  paginateListVersionsByFunction,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitForFunctionUpdatedV2,
  waitForPublishedVersionActive,
  type GetFunctionCommandOutput,
  type FunctionConfiguration,
  type GetFunctionConfigurationCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { isDeepStrictEqual } from 'node:util';
import { describeError, errorName } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import type { Logger } from '../ground/logger.ts';
import { clip } from '../ground/printable.ts';

/** `{ RevisionId }` of a configuration read, to send with the write that follows it (nothing when absent). */
const revision = (configuration: { RevisionId?: string }) => (configuration.RevisionId ? { RevisionId: configuration.RevisionId } : {});

/** Text from AWS in a message: one bounded line. */
const cut = (text: string) => clip(text, 300).replace(/\s+/g, ' ');

/** What a guarded write sent: the RevisionId it read, and what the run has (not) done if Lambda refuses it. */
interface RevisionGuard {
  revisionId?: string;
  unchanged?: string;
}

/** What to do when AWS kept failing a call after every retry. */
const RERUN_HINT = 'AWS kept failing after every retry: re-run the job (it resumes where this run stopped; raise input `max-attempts` if AWS throttles).';

export interface LambdaFunctionOptions {
  lambda: LambdaClient;
  logger: Logger;
  name: string;
  waitTimeoutMinutes: number;
  /** Seconds between status polls: the SDK waiter's bounds (defaults 1 and 15). */
  pollDelay?: { min: number; max: number };
}

export class LambdaFunction {
  readonly name: string;
  readonly #o: LambdaFunctionOptions;

  constructor(options: LambdaFunctionOptions) {
    this.#o = options;
    this.name = options.name;
  }

  /** The function's configuration now; a DeployError when Lambda does not answer. */
  async configuration(): Promise<GetFunctionConfigurationCommandOutput> {
    const name = this.name;
    try {
      return (await this.#o.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))) ?? {};
    } catch (error) {
      throw new DeployError(`Lambda GetFunctionConfiguration on ${name} failed: ${describeError(error)}`, RERUN_HINT, { cause: error });
    }
  }

  /** The published versions (not $LATEST), oldest first. */
  async versions(): Promise<FunctionConfiguration[]> {
    const versions: FunctionConfiguration[] = [];
    try {
      for await (const page of paginateListVersionsByFunction({ client: this.#o.lambda }, { FunctionName: this.name })) {
        for (const version of page.Versions ?? []) if (/^\d+$/.test(version.Version ?? '')) versions.push(version);
      }
    } catch (error) {
      throw new DeployError(`Lambda ListVersionsByFunction on ${this.name} failed: ${describeError(error)}`, RERUN_HINT, { cause: error });
    }
    return versions.sort((a, b) => Number(a.Version) - Number(b.Version));
  }

  /** Publishes a version and waits until it is active. */
  async publishVersion(description: string): Promise<string | undefined> {
    const name = this.name;
    const published = await this.#withConflictRetry('PublishVersion', () =>
      this.#o.lambda.send(new PublishVersionCommand({ FunctionName: name, Description: description })),
    );
    this.#o.logger.info(`Published ${name} version ${published.Version}.`);
    const waited = await waitForPublishedVersionActive(this.#waiterConfig(), { FunctionName: name, Qualifier: published.Version });
    if (waited.state !== 'SUCCESS') {
      throw new DeployError(`Version ${published.Version} of ${name} did not become active (${waited.state}).`);
    }
    return published.Version;
  }

  /** Deletes `alias` (the undo of an alias moveAlias created). */
  async deleteAlias(alias: string): Promise<void> {
    await this.#o.lambda.send(new DeleteAliasCommand({ FunctionName: this.name, Name: alias }));
  }

  /** Points `alias` at `version` (the undo of moveAlias). */
  async pointAlias(alias: string, version: string): Promise<void> {
    await this.#o.lambda.send(new UpdateAliasCommand({ FunctionName: this.name, Name: alias, FunctionVersion: version }));
  }

  /** Waits until LastUpdateStatus is Successful; a DeployError with the reason when it fails or takes too long. */
  async waitUntilUpdated(): Promise<void> {
    const name = this.name;
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
      client: this.#o.lambda,
      maxWaitTime: Math.max(this.#o.waitTimeoutMinutes * 60, delay.min * 2),
      minDelay: delay.min,
      maxDelay: delay.max,
    };
  }

  /**
   * The variables of a configuration just read. When Lambda reports an error on them (Environment.Error: the
   * answer then lacks them), a DeployError: writing the environment back would erase them. `unchanged` says what
   * the run has (not) done at that point.
   */
  variables(configuration: GetFunctionConfigurationCommandOutput, unchanged: string): Record<string, string> {
    const problem = configuration.Environment?.Error;
    if (problem) {
      const name = this.name;
      const what = [problem.ErrorCode, problem.Message].filter(Boolean).map((text) => cut(String(text))).join(': ') || 'no details given';
      throw new DeployError(
        `Lambda function ${name} reports an error on its environment variables (${what}): Lambda cannot read them, and setting IMAGE_TAG would replace them all; ${unchanged}.`,
        `Fix the function's KMS key (enabled, and usable by Lambda and by this deploy role: kms:Decrypt) or its permissions, check the variables in the Lambda console (aws lambda get-function-configuration --function-name ${name}), then re-run the job.`,
      );
    }
    return { ...(configuration.Environment?.Variables ?? {}) };
  }

  /** UpdateFunctionCode guarded by the RevisionId read just before; `checkEnvironment`: refuse an unreadable environment first. */
  async updateCode(imageUri: string, checkEnvironment?: string): Promise<void> {
    const name = this.name;
    await this.#withConflictRetry('UpdateFunctionCode', async (guard) => {
      const configuration = await this.configuration();
      if (checkEnvironment !== undefined) this.variables(configuration, checkEnvironment);
      guard.revisionId = configuration.RevisionId;
      guard.unchanged = checkEnvironment;
      return this.#o.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ImageUri: imageUri, ...revision(configuration) }));
    });
  }

  /**
   * Read-modify-write of the environment: reads the configuration, lets `change` compute the new variables from
   * the current ones (undefined: nothing to write) and writes them with the RevisionId read. Returns whether it wrote.
   */
  async setEnvironment(unchanged: string, change: (variables: Record<string, string>) => Record<string, string> | undefined): Promise<boolean> {
    const name = this.name;
    let written = false;
    await this.#withConflictRetry('UpdateFunctionConfiguration', async (guard) => {
      const configuration = await this.configuration();
      const variables = change(this.variables(configuration, unchanged));
      if (!variables) return;
      guard.revisionId = configuration.RevisionId;
      guard.unchanged = unchanged;
      await this.#o.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: variables }, ...revision(configuration) }),
      );
      written = true;
    });
    if (written) await this.waitUntilUpdated();
    return written;
  }

  /**
   * Points `alias` at `version`, creating it when there is none. `created`: this call created it (an alias that
   * appeared meanwhile, by a lost answer or another run, is not this run's to delete).
   */
  async moveAlias(alias: string, version: string): Promise<{ aliasArn?: string; previousVersion?: string; created: boolean }> {
    const name = this.name;
    const lambda = this.#o.lambda;
    let previousVersion: string | undefined;
    let currentArn: string | undefined;
    try {
      const current = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias }));
      previousVersion = current.FunctionVersion;
      currentArn = current.AliasArn;
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') {
        throw new DeployError(`Lambda GetAlias ${alias} on ${name} failed: ${describeError(error)}`, RERUN_HINT, { cause: error });
      }
    }
    if (previousVersion === undefined) {
      try {
        const created = await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version }));
        this.#o.logger.info(`Created alias ${alias} → version ${version}.`);
        return { aliasArn: created.AliasArn, created: true };
      } catch (error) {
        // "Alias already exists": our create took effect but its answer was lost (the SDK's retry met it), or
        // another run created it meanwhile. Either way it exists now: move it below.
        if (errorName(error) !== 'ResourceConflictException') {
          throw new DeployError(`Lambda CreateAlias ${alias} on ${name} failed: ${describeError(error)}`, RERUN_HINT, { cause: error });
        }
        this.#o.logger.info(`Alias ${alias} of ${name} exists already (${describeError(error)}): moving it.`);
      }
    }
    if (previousVersion === version) {
      this.#o.logger.info(`Alias ${alias} of ${name} already points to version ${version}.`);
      return { aliasArn: currentArn, previousVersion, created: false };
    }
    const updated = await this.#withConflictRetry('UpdateAlias', () =>
      lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version })),
    );
    this.#o.logger.info(`Moved alias ${alias} from version ${previousVersion ?? "(just created)"} to ${version}.`);
    return { aliasArn: updated.AliasArn, previousVersion, created: false };
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
            `Lambda ${what} on ${this.name} was refused: the function changed after this run read it (revision ${guard.revisionId ?? 'unknown'}), so this write was not made and the other change was kept${guard.unchanged ? `; ${guard.unchanged}` : ''} (${describeError(error)}).`,
            'Someone or something else (another deploy, terraform, the console) updated the function meanwhile: check what changed, then re-run the job, which reads the function again.',
            { cause: error },
          );
        }
        if (errorName(error) !== 'ResourceConflictException') {
          throw new DeployError(`Lambda ${what} on ${this.name} failed: ${describeError(error)}`, undefined, { cause: error });
        }
        if (Date.now() >= deadline) {
          throw new DeployError(
            `Lambda ${what} on ${this.name} kept failing with ResourceConflictException (an update in progress) for ${this.#o.waitTimeoutMinutes} minute(s).`,
            'Raise input `wait-timeout-minutes` or wait for the other update to finish.',
          );
        }
        this.#o.logger.info(`${what}: another update of ${this.name} is in progress, waiting (attempt ${attempt}).`);
        await this.waitUntilUpdated();
        await new Promise((done) => setTimeout(done, (this.#o.pollDelay?.min ?? 1) * 1000));
      }
    }
  }
}

/**
 * The newest of `versions` (oldest first, as versions() lists them) when its code and configuration equal
 * `latest`'s ($LATEST): the one PublishVersion would return without publishing (Lambda publishes nothing when
 * nothing changed since the last version).
 */
export function versionMatching(versions: readonly FunctionConfiguration[], latest: FunctionConfiguration): string | undefined {
  const newest = versions.at(-1);
  return newest && sameConfiguration(newest, latest) ? newest.Version : undefined;
}

/** The fields a published version freezes: when they all equal $LATEST's, Lambda publishes nothing new. */
const VERSIONED_FIELDS = [
  'CodeSha256', 'Role', 'Timeout', 'MemorySize', 'Environment', 'EphemeralStorage', 'ImageConfigResponse', 'Architectures',
  'VpcConfig', 'TracingConfig', 'DeadLetterConfig', 'FileSystemConfigs', 'KMSKeyArn', 'Layers', 'LoggingConfig',
] as const;

function sameConfiguration(a: FunctionConfiguration, b: FunctionConfiguration): boolean {
  // An Environment's Error is not configuration: its Variables are.
  const field = (configuration: FunctionConfiguration, name: (typeof VERSIONED_FIELDS)[number]) =>
    normalised(name === 'Environment' ? configuration.Environment?.Variables : configuration[name]);
  return VERSIONED_FIELDS.every((name) => isDeepStrictEqual(field(a, name), field(b, name)));
}

/** Empty lists, objects and strings count as absent (AWS leaves some out where others send them empty). */
function normalised(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(normalised);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([key, item]) => key !== 'VpcId' && normalised(item) !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries.map(([key, item]) => [key, normalised(item)]));
  }
  return value === null || value === '' ? undefined : value;
}
