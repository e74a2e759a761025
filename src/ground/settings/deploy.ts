/**
 * The deploy inputs, parsed once through an input getter (the Action's core.getInput or the CLI's flags).
 * Git facts come in separately as a GitContext: nothing here reads process.env.
 */
import { InputError, getBoolean, getChoice, getKeyValueLines, getList, getPositiveNumber } from '../inputs.ts';
import type { InputGetter } from '../inputs.ts';
import { tagOfRef } from '../git.ts';
import { ALL_STEPS } from '../step.ts';
import type { StepName } from '../step.ts';

export type PublishChoice = 'auto' | 'true' | 'false';

export interface DeployOptions {
  /** Steps to run, in the fixed order image → lambda → state-machine → scenarios. */
  steps: StepName[];
  /** Docker build context; undefined = the folder above the model folder. */
  buildContext?: string;
  /** Dockerfile path; undefined = `<model folder>/Dockerfile`. */
  dockerfile?: string;
  /** Extra build args (added after QUETZAL_MODEL_NAME and IMAGE_TAG, which they cannot replace). */
  buildArgs: Record<string, string>;
  /** Replaces the default image tag (the commit SHA). */
  imageTag?: string;
  /** Build and push even when the tag already exists in the repository. */
  forceBuild: boolean;
  /** Publish a Lambda version and a state machine version: auto = on tag refs. */
  publish: PublishChoice;
  /** Lambda alias moved to the published version. */
  alias?: string;
  waitTimeoutMinutes: number;
  /** Roll the Lambda back to its previous image when the state machine update fails. */
  rollback: boolean;
  /**
   * Attempts per AWS call (the SDK's standard retry strategy). Default 8, measured through the fault proxy
   * (__tests__/e2e/faults.test.ts, /tmp measurements in the issue-5 report): at 25% faults of every kind, 3 attempts
   * lost 1.5% of calls and 4 of 8 whole deploys; 5 lost no call in 400 but 1 deploy in 24 (a call failing 5 times
   * in ~140); in a 50% throttling storm 3 lost 13% of calls, 5 and 8 about 2.5% (the SDK's retry quota, not the
   * attempts, then limits). The adaptive mode was 4 to 10 times slower for no fewer failures.
   */
  maxAttempts: number;
}

/** What the deploy needs to know about the commit being deployed. */
export interface GitContext {
  /** Full commit SHA. */
  sha: string;
  /** Full ref, e.g. refs/heads/main or refs/tags/v1.2.0 ('' when unknown). */
  ref: string;
  /** Repository web URL for the OCI source label, e.g. https://github.com/owner/repo ('' when unknown). */
  repositoryUrl: string;
}

/** Default of input `max-attempts` (see DeployOptions.maxAttempts for the measurements behind it). */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** Docker tag grammar (distribution/reference): at most 128 chars, no leading '.' or '-'. */
const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Lambda alias names: letters, digits, '-' and '_', not all digits, at most 128 chars. */
const LAMBDA_ALIAS = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseDeployOptions(get: InputGetter): DeployOptions {
  const stepNames = getList(get, 'steps').map((step) => step.toLowerCase());
  for (const step of stepNames) {
    if (!(ALL_STEPS as readonly string[]).includes(step)) {
      throw new InputError(`Input \`steps\` names "${step}"; use a comma list of: ${ALL_STEPS.join(', ')}.`);
    }
  }
  const steps = stepNames.length === 0 ? [...ALL_STEPS] : ALL_STEPS.filter((step) => stepNames.includes(step));

  const imageTag = get('image-tag').trim() || undefined;
  if (imageTag !== undefined && !DOCKER_TAG.test(imageTag)) {
    throw new InputError(
      `Input \`image-tag\` is "${imageTag}"; a Docker tag has 1 to 128 letters, digits, '_', '.' or '-' and does not start with '.' or '-'.`,
    );
  }
  const alias = get('alias').trim() || undefined;
  if (alias !== undefined && !LAMBDA_ALIAS.test(alias)) {
    throw new InputError(
      `Input \`alias\` is "${alias}"; a Lambda alias has 1 to 128 letters, digits, '-' or '_' and is not only digits.`,
    );
  }
  const buildArgs = getKeyValueLines(get, 'build-args');
  for (const name of Object.keys(buildArgs)) {
    if (!BUILD_ARG_NAME.test(name)) {
      throw new InputError(`Input \`build-args\`: "${name}" is not a valid build argument name.`);
    }
    if (name === 'QUETZAL_MODEL_NAME' || name === 'IMAGE_TAG') {
      throw new InputError(`Input \`build-args\` sets ${name}; the action sets it itself, remove that line.`);
    }
  }
  const maxAttempts = getPositiveNumber(get, 'max-attempts', DEFAULT_MAX_ATTEMPTS);
  if (!Number.isInteger(maxAttempts) || maxAttempts > 20) {
    throw new InputError(`Input \`max-attempts\` is "${get('max-attempts')}"; use a whole number from 1 to 20.`);
  }
  return {
    steps,
    buildContext: get('build-context').trim() || undefined,
    dockerfile: get('dockerfile').trim() || undefined,
    buildArgs,
    imageTag,
    forceBuild: getBoolean(get, 'force-build', false),
    publish: getChoice(get, 'publish', ['auto', 'true', 'false'] as const, 'auto'),
    alias,
    waitTimeoutMinutes: getPositiveNumber(get, 'wait-timeout-minutes', 10),
    rollback: getBoolean(get, 'rollback', true),
    maxAttempts,
  };
}

/** The git tag name when the ref is a tag ref, else undefined. */
export function gitTagOf(git: GitContext): string | undefined {
  return tagOfRef(git.ref);
}

export function shouldPublish(options: Pick<DeployOptions, 'publish'>, git: GitContext): boolean {
  if (options.publish === 'auto') return gitTagOf(git) !== undefined;
  return options.publish === 'true';
}

/**
 * Tags to push: the image-tag input or else the commit SHA, plus the git tag on tag refs
 * (when it is a valid Docker tag). The first one is the primary tag (IMAGE_TAG in the Lambda).
 */
export function imageTagsFor(options: Pick<DeployOptions, 'imageTag'>, git: GitContext): string[] {
  const primary = options.imageTag ?? git.sha;
  if (!DOCKER_TAG.test(primary)) {
    throw new InputError(`The commit SHA "${primary}" is not usable as an image tag; set input \`image-tag\`.`);
  }
  const tags = [primary];
  const gitTag = gitTagOf(git);
  if (gitTag !== undefined && DOCKER_TAG.test(gitTag) && gitTag !== primary) tags.push(gitTag);
  return tags;
}
