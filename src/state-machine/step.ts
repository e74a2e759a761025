/**
 * The state machine step: fill the definition's substitutions, ask Step Functions to validate it (when the API
 * answers), compare it with the deployed one (parsed JSON), and update the state machine only when it differs.
 * Role, logging and tracing are left as they are (UpdateStateMachine changes only what it is given).
 */
import {
  PublishStateMachineVersionCommand,
  SFNClient,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { isDeepStrictEqual } from 'node:util';
import { describeError, errorName, httpStatus } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import { mdFence } from '../ground/markdown.ts';
import type { StateMachineFacts } from '../ground/resources.ts';
import { imageTagsFor, shouldPublish } from '../ground/settings/deploy.ts';
import type { Step, StepContext, StepReport } from '../ground/step.ts';
import { BUILTIN_SUBSTITUTIONS, MAX_DEFINITION_BYTES, substituteDefinition } from '../validate/definition/index.ts';
import { jsonDiff } from './diff.ts';

export interface StateMachinePlan {
  stateMachineArn: string;
  /** The definition to deploy, substitutions filled. */
  definition: string;
  changed: boolean;
  /** Short, path-level differences (deployed → new), at most DIFF_LIMIT lines. */
  diff: string[];
  /** 'OK', 'FAIL' never reaches here (it throws), or why validation was skipped. */
  validation: string;
  publish: boolean;
  versionDescription: string;
}

export interface StateMachineOutcome {
  stateMachineArn: string;
  updated: boolean;
  versionArn?: string;
}

export class StateMachineStep implements Step<StateMachinePlan, StateMachineOutcome> {
  readonly name = 'state-machine' as const;
  readonly title = 'State machine';
  /** The definition names the function and the bucket: their ARN and name come from the preflight. */
  readonly needs = ['lambdaFunction', 'stateMachine', 'bucket'] as const;

  async plan(context: StepContext): Promise<StateMachinePlan> {
    const { preflight, target, settings, git } = context;
    const definitionPath = context.definition.path;
    const machine = machineOf(context);
    const values: Record<string, string> = {
      AccountId: preflight.accountId,
      Region: preflight.region,
      ModelName: target.modelName,
      LambdaFunctionArn: preflight.function?.arn ?? '',
      BucketName: target.bucketName,
    };
    const { text, missing } = substituteDefinition(context.definition.text, values);
    if (missing.length > 0) {
      throw new DeployError(
        `${definitionPath} uses ${missing.map((name) => `\${${name}}`).join(', ')}, which the action does not fill.`,
        `The action fills ${BUILTIN_SUBSTITUTIONS.map((name) => `\${${name}}`).join(', ')}; write the other values in the file.`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new DeployError(`${definitionPath} is not JSON once substitutions are filled: ${(error as Error).message}`);
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_DEFINITION_BYTES) {
      throw new DeployError(`${definitionPath} is ${bytes} bytes; Step Functions accepts at most ${MAX_DEFINITION_BYTES}.`);
    }
    const validation = await validateOnline(text, context);

    let deployed: unknown;
    try {
      deployed = JSON.parse(machine.definition);
    } catch {
      deployed = machine.definition;
    }
    const changed = !isDeepStrictEqual(parsed, deployed);
    return {
      stateMachineArn: machine.arn,
      definition: text,
      changed,
      diff: changed ? jsonDiff(deployed, parsed) : [],
      validation,
      publish: shouldPublish(settings.deploy, git),
      versionDescription: `${imageTagsFor(settings.deploy, git)[0]} (commit ${(git.sha ?? '').slice(0, 12)})`.slice(0, 256),
    };
  }

  async apply(plan: StateMachinePlan, context: StepContext): Promise<StateMachineOutcome> {
    const { aws, logger } = context;
    const sfn = aws.client(SFNClient);
    const arn = plan.stateMachineArn;
    if (plan.changed) {
      logger.info(`Updating state machine ${arn} (role, logging and tracing kept).`);
      let output;
      try {
        output = await sfn.send(
          new UpdateStateMachineCommand({
            stateMachineArn: arn,
            definition: plan.definition,
            ...(plan.publish ? { publish: true, versionDescription: plan.versionDescription } : {}),
          }),
        );
      } catch (error) {
        throw new DeployError(`UpdateStateMachine on ${arn} failed: ${describeError(error)}`, undefined, { cause: error });
      }
      return { stateMachineArn: arn, updated: true, versionArn: output.stateMachineVersionArn };
    }
    if (!plan.publish) return { stateMachineArn: arn, updated: false };
    return { stateMachineArn: arn, updated: false, versionArn: await publishUnchanged(plan, context) };
  }

  /** Puts the definition the preflight read back (a published version stays published). */
  async undo(outcome: StateMachineOutcome, context: StepContext): Promise<string | undefined> {
    if (!outcome.updated) return undefined;
    const machine = machineOf(context);
    try {
      await context.aws.client(SFNClient).send(new UpdateStateMachineCommand({ stateMachineArn: machine.arn, definition: machine.definition }));
    } catch (error) {
      throw new DeployError(`UpdateStateMachine on ${machine.arn} failed: ${describeError(error)}`, undefined, { cause: error });
    }
    return `The state machine ${machine.name} was rolled back to the definition it had before this deploy.`;
  }

  report(plan: StateMachinePlan, outcome?: StateMachineOutcome): StepReport {
    return outcome ? reportOutcome(outcome) : reportPlan(plan);
  }
}

function machineOf(context: StepContext): StateMachineFacts {
  const machine = context.preflight.stateMachine;
  if (!machine) throw new Error('The state machine step needs the state machine from the preflight.');
  return machine;
}

function reportPlan(plan: StateMachinePlan): StepReport {
  return {
    step: 'state-machine',
    status: plan.changed ? 'would update' : 'unchanged',
    details: [
      ['State machine', plan.stateMachineArn],
      ['Validation', plan.validation],
      ['Definition', plan.changed ? `differs (${plan.diff.length} change line(s))` : 'equal to the deployed one'],
    ],
    outputs: { 'state-machine-arn': plan.stateMachineArn },
    markdown: plan.changed ? mdFence('diff', plan.diff) : undefined,
  };
}

function reportOutcome(outcome: StateMachineOutcome): StepReport {
  const details: StepReport['details'] = [['State machine', outcome.stateMachineArn]];
  if (outcome.versionArn) details.push(['Version', outcome.versionArn]);
  const outputs: Record<string, string> = { 'state-machine-arn': outcome.stateMachineArn };
  if (outcome.versionArn) outputs['state-machine-version-arn'] = outcome.versionArn;
  return { step: 'state-machine', status: outcome.updated ? 'updated' : 'unchanged', details, outputs };
}

/** ValidateStateMachineDefinition: a DeployError on FAIL; a warning (and go on) when the API does not answer. */
async function validateOnline(definition: string, { aws, logger, definition: { path: definitionPath } }: StepContext): Promise<string> {
  let output;
  try {
    output = await aws.advisoryClient(SFNClient).send(new ValidateStateMachineDefinitionCommand({ definition, type: 'STANDARD' }));
  } catch (error) {
    const why = describeError(error);
    logger.warning(`Step Functions could not validate ${definitionPath} online (${why}); going on with the local validation.`);
    return `skipped: the API did not answer (${errorName(error) || httpStatus(error) || 'error'})`;
  }
  const errors = (output.diagnostics ?? []).filter((d) => d.severity === 'ERROR');
  for (const warning of (output.diagnostics ?? []).filter((d) => d.severity !== 'ERROR')) {
    logger.warning(`${definitionPath}: ${warning.code}: ${warning.message}${warning.location ? ` at ${warning.location}` : ''}`);
  }
  if (output.result === 'FAIL' || errors.length > 0) {
    const lines = errors.map((d) => `${d.code}: ${d.message}${d.location ? ` (at ${d.location})` : ''}`);
    throw new DeployError(
      `Step Functions rejects ${definitionPath}:\n- ${lines.join('\n- ') || 'no diagnostic given'}`,
      'Fix the definition; nothing was changed.',
    );
  }
  return 'OK (ValidateStateMachineDefinition)';
}

async function publishUnchanged(plan: StateMachinePlan, { aws, logger, preflight }: StepContext): Promise<string | undefined> {
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
        definition: plan.definition,
        publish: true,
        versionDescription: plan.versionDescription,
      }),
    );
    return output.stateMachineVersionArn;
  }
}
