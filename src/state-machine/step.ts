/**
 * The state machine step: fill the definition's substitutions, pin it to the Lambda version the Lambda step ends
 * on and to the ECS task-definition revision the ECS step ends on, when the definition runs one (pin.ts), ask Step Functions to validate it (when the API answers), compare it with the deployed one (parsed
 * JSON), and update the state machine only when it differs; on a release publish a version and move the alias to
 * it. In a rollback the definition and the version are the release's. Role, logging and tracing are left as they
 * are (UpdateStateMachine changes only what it is given).
 */
import {
  PublishStateMachineVersionCommand,
  SFNClient,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
  type ValidateStateMachineDefinitionDiagnostic,
} from '@aws-sdk/client-sfn';
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { isDeepStrictEqual } from 'node:util';
import { describeError, errorName, httpStatus } from '../ground/aws-errors.ts';
import { DeployError, FindingsError } from '../ground/errors.ts';
import type { Finding } from '../ground/findings.ts';
import { LineIndex } from '../ground/line-index.ts';
import { mdFence } from '../ground/markdown.ts';
import { tagOfRef } from '../ground/git.ts';
import { lambdaFunctionNameOf } from '../ground/names.ts';
import { lambdaVersionsIn, releaseDescription } from '../ground/release.ts';
import type { StateMachineFacts } from '../ground/resources.ts';
import { shouldPublish } from '../ground/settings/deploy.ts';
import type { Step, StepContext, StepReport } from '../ground/step.ts';
import { BUILTIN_SUBSTITUTIONS, MAX_DEFINITION_BYTES, substituteDefinition } from '../validate/definition/index.ts';
import type { EcsOutcome, EcsPlan } from '../ecs/step.ts';
import type { LambdaOutcome, LambdaPlan } from '../lambda/step.ts';
import { moveAlias, restoreAlias, describeRouting, type AliasMove } from './alias.ts';
import { jsonDiff } from './diff.ts';
import { pinFunction, pinTaskFamily, taskRevisionsIn } from './pin.ts';

export interface StateMachinePlan {
  stateMachineArn: string;
  /** The definition to deploy, substitutions filled and pinned (with NEW_VERSION where the version is yet to be published). */
  definition: string;
  changed: boolean;
  /** Short, path-level differences (deployed → new), at most DIFF_LIMIT lines. */
  diff: string[];
  /** 'OK', 'FAIL' never reaches here (it throws), or why validation was skipped. */
  validation: string;
  /** The offline ASL errors Step Functions overruled: it says the definition is valid. They become warnings. */
  overruled: Finding[];
  /** The Lambda version the definition calls: a number, NEW_VERSION (published by the Lambda step), or undefined (not pinned). */
  lambdaVersion?: string;
  /**
   * The task-definition revision (ARN) the definition's ecs:runTask states run, when it runs the model's family and
   * the ECS step runs: NEW_REVISION when the ECS step registers one.
   */
  taskRevision?: string;
  publish: boolean;
  /** The state machine alias moved on a release or a rollback (input `alias`). */
  alias?: string;
  versionDescription: string;
  /** A rollback: the release whose definition goes back, and its version (what the alias goes back to). */
  release?: { to: string; versionArn: string };
  /**
   * The deployed and the planned definition (parsed) for the picture of what changes. The planned one calls the
   * Lambda version the deployed one calls: a task whose only change is the new version is not marked changed.
   */
  comparison: { deployed: unknown; planned: unknown };
}

export interface StateMachineOutcome {
  stateMachineArn: string;
  updated: boolean;
  versionArn?: string;
  alias?: AliasMove;
  lambdaVersion?: string;
  taskRevision?: string;
}

/** Stands for the Lambda version the Lambda step publishes, in a plan made before it exists. */
export const NEW_VERSION = '(new version)';
/** Stands for the task-definition revision the ECS step registers, in a plan made before it exists. */
export const NEW_REVISION = '(new revision)';

/** What the definition that goes out is pinned to: a Lambda version, a task-definition revision. */
interface Pins {
  lambdaVersion?: string;
  taskRevision?: string;
}

export class StateMachineStep implements Step<StateMachinePlan, StateMachineOutcome> {
  readonly name = 'state-machine' as const;
  readonly title = 'State machine';
  /** The definition names the function and the bucket: their ARN and name come from the preflight. */
  readonly needs = ['lambdaFunction', 'stateMachine', 'bucket'] as const;

  async plan(context: StepContext): Promise<StateMachinePlan> {
    const { settings, git } = context;
    const release = context.preflight.release;
    const machine = machineOf(context);
    const lambdaVersion = release ? release.lambdaVersion : pinnedVersionOf(context);
    const taskRevision = release ? undefined : pinnedRevisionOf(context);
    const online = release ? { valid: false, text: `skipped: the definition of ${release.stateMachineVersionArn}` } : await validateOnline(definitionFor(context, {}), context);
    const overruled = overruledErrors(context, online);
    const definition = release ? release.definition : definitionFor(context, { lambdaVersion, taskRevision });
    const deployed = parsedOrText(machine.definition);
    const parsed = JSON.parse(definition) as unknown;
    const changed = lambdaVersion === NEW_VERSION || taskRevision === NEW_REVISION || !isDeepStrictEqual(parsed, deployed);
    const publish = !release && shouldPublish(settings.deploy, git);
    return {
      stateMachineArn: machine.arn,
      definition,
      changed,
      diff: changed ? jsonDiff(deployed, parsed) : [],
      validation: online.text,
      overruled,
      lambdaVersion,
      taskRevision,
      publish,
      alias: publish || release ? settings.deploy.alias : undefined,
      versionDescription: releaseDescription({ tag: tagOfRef(git.ref), commit: git.sha }),
      release: release && { to: release.to, versionArn: release.stateMachineVersionArn },
      comparison: { deployed, planned: release ? parsed : comparableDefinition(context, machine, { lambdaVersion, taskRevision }, parsed) },
    };
  }

  async apply(plan: StateMachinePlan, context: StepContext): Promise<StateMachineOutcome> {
    const { aws, logger } = context;
    const sfn = aws.client(SFNClient);
    const arn = plan.stateMachineArn;
    let definition = plan.definition;
    let { lambdaVersion, taskRevision } = plan;
    if ((lambdaVersion !== undefined || taskRevision !== undefined) && !plan.release) {
      // The version and revision the Lambda and ECS steps ended on (made just now, or reused), else the plan's.
      if (lambdaVersion !== undefined) lambdaVersion = (context.outcomes.get('lambda') as LambdaOutcome | undefined)?.version ?? lambdaVersion;
      if (taskRevision !== undefined) taskRevision = (context.outcomes.get('ecs') as EcsOutcome | undefined)?.arn ?? taskRevision;
      if (lambdaVersion === NEW_VERSION) throw new Error('The state machine step needs the Lambda version the Lambda step published.');
      if (taskRevision === NEW_REVISION) throw new Error('The state machine step needs the task-definition revision the ECS step registered.');
      definition = definitionFor(context, { lambdaVersion, taskRevision });
    }
    const outcome: StateMachineOutcome = { stateMachineArn: arn, updated: false, lambdaVersion, taskRevision };
    if (!isDeepStrictEqual(JSON.parse(definition), parsedOrText(machineOf(context).definition))) {
      const calls = [lambdaVersion && `Lambda version ${lambdaVersion}`, taskRevision && `task definition ${taskRevision}`].filter(Boolean);
      logger.info(`Updating state machine ${arn}${calls.length > 0 ? ` (calling ${calls.join(' and ')})` : ''}; role, logging and tracing kept.`);
      let output;
      try {
        output = await sfn.send(
          new UpdateStateMachineCommand({
            stateMachineArn: arn,
            definition,
            ...(plan.publish ? { publish: true, versionDescription: plan.versionDescription } : {}),
          }),
        );
      } catch (error) {
        throw new DeployError(`UpdateStateMachine on ${arn} failed: ${describeError(error)}`, undefined, { cause: error });
      }
      outcome.updated = true;
      outcome.versionArn = output.stateMachineVersionArn;
    } else if (plan.publish) {
      outcome.versionArn = await publishUnchanged(plan, definition, context);
    }
    const aliasTarget = plan.release?.versionArn ?? outcome.versionArn;
    if (plan.alias && aliasTarget) outcome.alias = await moveAlias(sfn, arn, plan.alias, aliasTarget, logger);
    return outcome;
  }

  /** Puts back the definition the preflight read and the alias (a published version stays published). */
  async undo(outcome: StateMachineOutcome, context: StepContext): Promise<string | undefined> {
    const machine = machineOf(context);
    const sfn = context.aws.client(SFNClient);
    const done: string[] = [];
    if (outcome.alias) done.push(await restoreAlias(sfn, outcome.alias));
    if (outcome.updated) {
      try {
        await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: machine.arn, definition: machine.definition }));
      } catch (error) {
        throw new DeployError(`UpdateStateMachine on ${machine.arn} failed: ${describeError(error)}`, undefined, { cause: error });
      }
      done.push('the definition it had before this run');
    }
    return done.length > 0 ? `The state machine ${machine.name} was rolled back: ${done.join('; ')}.` : undefined;
  }

  report(plan: StateMachinePlan, outcome?: StateMachineOutcome): StepReport {
    return outcome ? reportOutcome(plan, outcome) : reportPlan(plan);
  }
}

function machineOf(context: StepContext): StateMachineFacts {
  const machine = context.preflight.stateMachine;
  if (!machine) throw new Error('The state machine step needs the state machine from the preflight.');
  return machine;
}

function parsedOrText(definition: string): unknown {
  try {
    return JSON.parse(definition);
  } catch {
    return definition;
  }
}

/**
 * The Lambda version to pin the definition to: undefined when pinning is off; the Lambda step's planned version
 * (NEW_VERSION when it publishes one); when the Lambda step is not run, the published version equal to the
 * function now — a DeployError when there is none, since pinning to anything else would change what runs.
 */
function pinnedVersionOf(context: StepContext): string | undefined {
  if (!context.settings.deploy.pinLambdaVersion) return undefined;
  const lambda = context.plans.get('lambda') as LambdaPlan | undefined;
  if (!lambda) throw new Error('The state machine step pins the Lambda version: it needs the Lambda plan.');
  if (context.selected.has('lambda')) return lambda.version ?? NEW_VERSION;
  if (lambda.versionMatchingNow !== undefined) return lambda.versionMatchingNow;
  throw new DeployError(
    `The definition would call a version of ${lambda.functionName} (input \`pin-lambda-version\`), but no published version is equal to the function as it is now; nothing was changed.`,
    'Add `lambda` to input `steps` (it publishes one), or set `pin-lambda-version: false` to call $LATEST.',
  );
}

/**
 * The task-definition revision to pin the definition's runs of the model's family to, when the ECS step runs (a
 * Lambda model runs it only when its definition runs the family): the revision it registers (NEW_REVISION), or the
 * latest one, already running the image. Without the ECS step the states stay as written.
 */
function pinnedRevisionOf(context: StepContext): string | undefined {
  if (!context.selected.has('ecs') || context.target.taskFamily === undefined) return undefined;
  const ecs = context.plans.get('ecs') as EcsPlan | undefined;
  if (!ecs) throw new Error('The state machine step pins the task definition: it needs the ECS plan.');
  return ecs.register ? NEW_REVISION : ecs.currentArn;
}

/**
 * The planned definition pinned to the one Lambda version and the one task-definition revision the deployed
 * definition calls, when it calls one: a pin that only moves on is not a change of the state.
 */
function comparableDefinition(context: StepContext, machine: StateMachineFacts, pins: Pins, planned: unknown): unknown {
  const versions = lambdaVersionsIn(machine.definition, context.target.functionName);
  const revisions = context.target.taskFamily === undefined ? new Set<string>() : taskRevisionsIn(machine.definition, context.target.taskFamily);
  const comparable: Pins = {
    lambdaVersion: pins.lambdaVersion !== undefined && versions.size === 1 ? [...versions][0] : pins.lambdaVersion,
    taskRevision: pins.taskRevision !== undefined && revisions.size === 1 ? [...revisions][0] : pins.taskRevision,
  };
  if (comparable.lambdaVersion === pins.lambdaVersion && comparable.taskRevision === pins.taskRevision) return planned;
  return JSON.parse(definitionFor(context, comparable)) as unknown;
}

/** The definition with its substitutions filled and pinned to what `pins` names (checked: JSON, size). */
function definitionFor(context: StepContext, pins: Pins): string {
  const { preflight, target, definition: { path: definitionPath } } = context;
  const functionArn = preflight.function?.arn ?? '';
  const values: Record<string, string> = {
    AccountId: preflight.accountId,
    Region: preflight.region,
    ModelName: target.modelName,
    // Filled unqualified, then pinned where it is called: `${LambdaFunctionArn}:live` keeps its own qualifier.
    LambdaFunctionArn: functionArn,
    BucketName: target.bucketName,
  };
  const { text: filled, missing } = substituteDefinition(context.definition.text, values);
  if (missing.length > 0) {
    throw new DeployError(
      `${definitionPath} uses ${missing.map((name) => `\${${name}}`).join(', ')}, which the action does not fill.`,
      `The action fills ${BUILTIN_SUBSTITUTIONS.map((name) => `\${${name}}`).join(', ')}; write the other values in the file.`,
    );
  }
  try {
    JSON.parse(filled);
  } catch (error) {
    throw new DeployError(`${definitionPath} is not JSON once substitutions are filled: ${(error as Error).message}`);
  }
  const functionName = preflight.function?.name ?? lambdaFunctionNameOf(target.functionName);
  const withVersion = pins.lambdaVersion === undefined ? filled : pinFunction(filled, functionName, `${functionArn}:${pins.lambdaVersion}`);
  const family = target.taskFamily;
  const text = pins.taskRevision === undefined || family === undefined ? withVersion : pinTaskFamily(withVersion, family, pins.taskRevision);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DEFINITION_BYTES) {
    throw new DeployError(`${definitionPath} is ${bytes} bytes; Step Functions accepts at most ${MAX_DEFINITION_BYTES}.`);
  }
  return text;
}

function reportPlan(plan: StateMachinePlan): StepReport {
  const details: StepReport['details'] = [['State machine', plan.stateMachineArn]];
  if (plan.release) details.push(['Rollback to', `${plan.release.to}: the definition of ${plan.release.versionArn}`]);
  details.push(
    ['Validation', plan.validation],
    ['Definition', plan.changed ? `differs (${plan.diff.length} change line(s))` : 'equal to the deployed one'],
    ['Lambda version called', plan.lambdaVersion ?? '$LATEST (not pinned)'],
  );
  if (plan.taskRevision) details.push(['Task definition run', plan.taskRevision === NEW_REVISION ? 'the revision the ECS step registers' : plan.taskRevision]);
  if (plan.publish) details.push(['Publish', 'a version of this definition']);
  if (plan.alias) details.push(['Alias', `${plan.alias} would point to ${plan.release ? plan.release.versionArn : 'the new version'}`]);
  const status = plan.release ? (plan.changed ? 'would roll back' : 'already on the release') : plan.changed ? 'would update' : 'unchanged';
  return {
    step: 'state-machine',
    status,
    details,
    outputs: { 'state-machine-arn': plan.stateMachineArn },
    markdown: plan.changed ? mdFence('diff', plan.diff) : undefined,
  };
}

function reportOutcome(plan: StateMachinePlan, outcome: StateMachineOutcome): StepReport {
  const details: StepReport['details'] = [['State machine', outcome.stateMachineArn]];
  if (outcome.lambdaVersion) details.push(['Lambda version called', outcome.lambdaVersion]);
  if (outcome.taskRevision) details.push(['Task definition run', outcome.taskRevision]);
  if (outcome.versionArn) details.push(['Version', outcome.versionArn]);
  if (plan.release) details.push(['Rolled back to', `${plan.release.to} (${plan.release.versionArn})`]);
  const outputs: Record<string, string> = { 'state-machine-arn': outcome.stateMachineArn };
  const versionArn = outcome.versionArn ?? plan.release?.versionArn;
  if (versionArn) outputs['state-machine-version-arn'] = versionArn;
  if (outcome.alias) {
    const before = outcome.alias.created ? 'created' : `was ${describeRouting(outcome.alias.previousRouting)}`;
    details.push(['Alias', `${outcome.alias.aliasArn} → ${versionArn} (${before})`]);
    outputs['state-machine-alias-arn'] = outcome.alias.aliasArn;
  }
  const status = plan.release ? (outcome.updated ? 'rolled back' : 'already on the release') : outcome.updated ? 'updated' : 'unchanged';
  return { step: 'state-machine', status, details, outputs };
}

/**
 * ValidateStateMachineDefinition. FAIL: a FindingsError, each diagnostic on its line of the definition (rule
 * `aws/<code>`). No answer (an emulator, a role without the call): a warning, and the local validation stands.
 */
async function validateOnline(definition: string, context: StepContext): Promise<{ valid: boolean; text: string }> {
  const { aws, logger, definition: { path: definitionPath } } = context;
  let output;
  try {
    output = await aws.advisoryClient(SFNClient).send(new ValidateStateMachineDefinitionCommand({ definition, type: 'STANDARD' }));
  } catch (error) {
    const why = describeError(error);
    logger.warning(`Step Functions could not validate ${definitionPath} online (${why}); going on with the local validation.`);
    return { valid: false, text: `skipped: the API did not answer (${errorName(error) || httpStatus(error) || 'error'})` };
  }
  const diagnostics = output.diagnostics ?? [];
  const errors = diagnostics.filter((d) => d.severity === 'ERROR');
  for (const warning of diagnostics.filter((d) => d.severity !== 'ERROR')) {
    logger.warning(`${definitionPath}: ${warning.code}: ${warning.message}${warning.location ? ` at ${warning.location}` : ''}`);
  }
  if (output.result === 'FAIL' || errors.length > 0) {
    const findings = diagnosticFindings(errors, context.definition);
    const lines = errors.map((d) => `${d.code}: ${d.message}${d.location ? ` (at ${d.location})` : ''}`);
    throw new FindingsError(
      `Step Functions rejects ${definitionPath}:\n- ${lines.join('\n- ') || 'no diagnostic given'}`,
      'Fix the definition; nothing was changed.',
      findings,
    );
  }
  return { valid: true, text: 'OK (ValidateStateMachineDefinition)' };
}

/**
 * The offline errors Step Functions overrules: all of them when it says the definition is valid. Offline errors
 * it could not be asked about stop the plan: nothing is written on an unconfirmed error.
 */
function overruledErrors(context: StepContext, online: { valid: boolean; text: string }): Finding[] {
  const unconfirmed = context.definition.unconfirmed ?? [];
  if (unconfirmed.length === 0) return [];
  if (!online.valid) {
    throw new DeployError(
      `Validation found ${unconfirmed.length === 1 ? '1 error' : `${unconfirmed.length} errors`} in ${context.definition.path}, and Step Functions could not be asked whether it accepts the definition (${online.text}). Nothing was written to AWS.`,
      'Fix the definition; or, if AWS accepts it and the offline rule is out of date, grant states:ValidateStateMachineDefinition (it overrules the rule) or set input `ignore-rules`.',
    );
  }
  context.logger.warning(`Step Functions accepts ${context.definition.path}: ${unconfirmed.length === 1 ? 'the offline error is' : `the ${unconfirmed.length} offline errors are`} taken as warnings.`);
  return [...unconfirmed];
}

/** Step Functions' diagnostics as findings, on the line their location (`/States/Name/Field`) names. */
function diagnosticFindings(diagnostics: readonly ValidateStateMachineDefinitionDiagnostic[], definition: StepContext['definition']): Finding[] {
  const root = parseTree(definition.text);
  const lines = new LineIndex(definition.text);
  return diagnostics.map((diagnostic) => {
    const segments = (diagnostic.location ?? '').split('/').filter((segment) => segment !== '').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
    // The deepest node the location reaches: a field the definition lacks is reported on its state.
    let node: Node | undefined;
    for (let depth = segments.length; depth > 0 && !node; depth -= 1) node = root && findNodeAtLocation(root, segments.slice(0, depth));
    const position = node ? lines.position(node.parent?.type === 'property' ? node.parent.offset : node.offset) : { line: 1, column: 1 };
    const code = (diagnostic.code ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '-');
    return {
      severity: 'error',
      rule: `aws/${code}`,
      file: definition.path,
      ...position,
      message: `Step Functions rejects this: ${diagnostic.message ?? diagnostic.code ?? 'no message'}${diagnostic.location ? ` (at ${diagnostic.location})` : ''}.`,
    };
  });
}

async function publishUnchanged(plan: StateMachinePlan, definition: string, { aws, logger, preflight }: StepContext): Promise<string | undefined> {
  const sfn = aws.client(SFNClient);
  const revisionId = preflight.stateMachine?.revisionId;
  try {
    const output = await sfn.send(
      new PublishStateMachineVersionCommand({
        stateMachineArn: plan.stateMachineArn,
        description: plan.versionDescription,
        ...(revisionId ? { revisionId } : {}),
      }),
    );
    return output.stateMachineVersionArn;
  } catch (error) {
    const status = httpStatus(error) ?? 0;
    if (status < 500 && errorName(error) !== 'UnknownOperationException') {
      throw new DeployError(`PublishStateMachineVersion on ${plan.stateMachineArn} failed: ${describeError(error)}`);
    }
    // An endpoint without PublishStateMachineVersion (an emulator): publish through an update with the same definition.
    logger.warning(`PublishStateMachineVersion did not answer (${describeError(error)}); publishing through UpdateStateMachine.`);
    const output = await sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: plan.stateMachineArn,
        definition,
        publish: true,
        versionDescription: plan.versionDescription,
      }),
    );
    return output.stateMachineVersionArn;
  }
}
