/**
 * The deploy inputs, parsed once through an input getter (the Action's core.getInput or the CLI's flags).
 * Git facts come in separately as a GitContext: nothing here reads process.env.
 */
import { MAX_JOB_MINUTES, getBoolean, getChoice, getInteger, getKeyValueLines, getList, getNumber, getText, inputError, quoted } from '../inputs.ts';
import type { InputGetter } from '../inputs.ts';
import { dirname, join, resolve } from 'node:path';
import { tagOfRef, type GitContext } from '../git.ts';
import { ALL_STEPS } from '../step.ts';
import type { StepName } from '../step.ts';

export type PublishChoice = 'auto' | 'true' | 'false';

export interface DeploySettings {
  /** Steps to run, in the fixed order image → lambda → state-machine → scenarios. */
  steps: StepName[];
  /** Whether input `steps` was set (else every step of the model's kind runs). */
  stepsGiven: boolean;
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
  /** When a step fails, undo the steps applied before it (the pipeline's undo, last first). */
  rollback: boolean;
  /** Attempts per AWS call (the SDK's standard retry strategy); why 8: bench/faults.md. */
  maxAttempts: number;
  /** Publish a Lambda version on every deploy and name it in the state machine definition (input `pin-lambda-version`). */
  pinLambdaVersion: boolean;
  /** How many of the newest Lambda versions are kept; older ones nothing refers to are deleted. 0: never delete. */
  keepLambdaVersions: number;
  /** How long the smoke run may take (input `smoke-timeout-minutes`). */
  smokeTimeoutMinutes: number;
  /** mode rollback: the release to go back to (a git tag, a commit, or a Lambda version number; input `to`). */
  rollbackTo?: string;
}

/** Default of input `max-attempts` (the fault measurements behind it: bench/faults.md). */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** Default of input `keep-lambda-versions`. */
export const DEFAULT_KEEP_LAMBDA_VERSIONS = 10;

/** Input `to`: a git tag, a commit (7 to 40 hex) or a Lambda version number; printable, at most 256 characters. */
function parseRollbackTo(get: InputGetter): string | undefined {
  const to = getText(get, 'to');
  // eslint-disable-next-line no-control-regex
  if (to !== undefined && (to.length > 256 || /[\s\u0000-\u001f\u007f]/.test(to))) {
    throw inputError('to', to, 'give a git tag, a commit SHA or a Lambda version number, without spaces (at most 256 characters)');
  }
  return to;
}

/** Docker tag grammar (distribution/reference): at most 128 chars, no leading '.' or '-'. */
const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Lambda alias names: letters, digits, '-' and '_', not all digits, at most 128 chars. */
const LAMBDA_ALIAS = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOCKER_TAG_FIX = "use 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-' (a Docker tag)";

export function parseDeploySettings(get: InputGetter): DeploySettings {
  const stepNames = getList(get, 'steps').map((step) => step.toLowerCase());
  for (const step of stepNames) {
    if (!(ALL_STEPS as readonly string[]).includes(step)) {
      throw inputError('steps', get('steps'), `use a comma list of ${ALL_STEPS.join(', ')}`, { problem: `names ${quoted(step)}` });
    }
  }
  const steps = stepNames.length === 0 ? [...ALL_STEPS] : ALL_STEPS.filter((step) => stepNames.includes(step));

  const imageTag = getText(get, 'image-tag');
  if (imageTag !== undefined && !DOCKER_TAG.test(imageTag)) throw inputError('image-tag', imageTag, DOCKER_TAG_FIX);
  const alias = getText(get, 'alias');
  if (alias !== undefined && !LAMBDA_ALIAS.test(alias)) {
    throw inputError('alias', alias, "use 1 to 128 letters, digits, '-' or '_', not only digits (a Lambda alias)");
  }
  const buildArgs = getKeyValueLines(get, 'build-args');
  for (const name of Object.keys(buildArgs)) {
    if (!BUILD_ARG_NAME.test(name)) {
      throw inputError('build-args', get('build-args'), "start each line with a name of letters, digits and '_', not a digit first", {
        problem: `sets ${quoted(name)}, not a build argument name`,
        hideValue: true,
      });
    }
    if (name === 'QUETZAL_MODEL_NAME' || name === 'IMAGE_TAG') {
      throw inputError('build-args', get('build-args'), 'remove that line', { problem: `sets ${name}, which the action sets itself`, hideValue: true });
    }
  }
  return {
    steps,
    stepsGiven: stepNames.length > 0,
    buildContext: getText(get, 'build-context'),
    dockerfile: getText(get, 'dockerfile'),
    buildArgs,
    imageTag,
    forceBuild: getBoolean(get, 'force-build', false),
    publish: getChoice(get, 'publish', ['auto', 'true', 'false'] as const, 'auto'),
    alias,
    waitTimeoutMinutes: getNumber(get, 'wait-timeout-minutes', { min: 0, minExclusive: true, max: MAX_JOB_MINUTES, fallback: 10, unit: 'minutes' }),
    rollback: getBoolean(get, 'rollback', true),
    maxAttempts: getInteger(get, 'max-attempts', { min: 1, max: 20, fallback: DEFAULT_MAX_ATTEMPTS }),
    pinLambdaVersion: getBoolean(get, 'pin-lambda-version', true),
    keepLambdaVersions: getInteger(get, 'keep-lambda-versions', { min: 0, max: 10_000, fallback: DEFAULT_KEEP_LAMBDA_VERSIONS }),
    smokeTimeoutMinutes: getNumber(get, 'smoke-timeout-minutes', { min: 0, minExclusive: true, max: MAX_JOB_MINUTES, fallback: 15, unit: 'minutes' }),
    rollbackTo: parseRollbackTo(get),
  };
}

/** The git tag name when the ref is a tag ref, else undefined. */
function gitTagOf(git: GitContext): string | undefined {
  return tagOfRef(git.ref);
}

export function shouldPublish(options: Pick<DeploySettings, 'publish'>, git: GitContext): boolean {
  if (options.publish === 'auto') return gitTagOf(git) !== undefined;
  return options.publish === 'true';
}

/**
 * Tags to push: the image-tag input or else the commit SHA, plus the git tag on tag refs
 * (when it is a valid Docker tag). The first one is the primary tag (IMAGE_TAG in the Lambda).
 */
export function imageTagsFor(options: Pick<DeploySettings, 'imageTag'>, git: GitContext): string[] {
  const primary = options.imageTag ?? git.sha ?? '';
  if (!DOCKER_TAG.test(primary)) {
    throw inputError('image-tag', options.imageTag ?? '', DOCKER_TAG_FIX, { fallback: `the commit SHA ${quoted(primary)}`, problem: 'is not a Docker tag' });
  }
  const tags = [primary];
  const gitTag = gitTagOf(git);
  if (gitTag !== undefined && DOCKER_TAG.test(gitTag) && gitTag !== primary) tags.push(gitTag);
  return tags;
}

/**
 * The Docker build the image step runs: its context (default the folder above the model, as push-image.sh builds)
 * and Dockerfile (default `<model>/Dockerfile`), absolute, relative inputs read from the workspace; and the build
 * args it passes (QUETZAL_MODEL_NAME, IMAGE_TAG, then input `build-args`). Validation checks the Dockerfile against
 * the same build.
 */
export function dockerBuildOf(deploy: DeploySettings, model: { workspace: string; modelFolder: string; modelName: string }, imageTag: string) {
  return {
    context: resolve(model.workspace, deploy.buildContext ?? dirname(model.modelFolder)),
    dockerfile: resolve(model.workspace, deploy.dockerfile ?? join(model.modelFolder, 'Dockerfile')),
    buildArgs: { QUETZAL_MODEL_NAME: model.modelName, IMAGE_TAG: imageTag, ...deploy.buildArgs } as Record<string, string>,
  };
}
