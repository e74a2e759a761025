/**
 * The state machine step: fill the definition's substitutions, ask Step Functions to validate it (when the API
 * answers), compare it with the deployed one (parsed JSON), and update the state machine only when it differs.
 * Role, logging and tracing are left as they are (UpdateStateMachine changes only what it is given).
 */
import {
  PublishStateMachineVersionCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../ground/logger.ts';
import { mdFence } from '../ground/markdown.ts';
import { BUILTIN_SUBSTITUTIONS, substituteDefinition } from '../validate/definition/substitutions.ts';
import type { AwsClients } from '../ground/aws.ts';
import type { DeployTarget, Preflight, StateMachineFacts } from '../pipeline/preflight.ts';
import { describeError, errorName, httpStatus } from '../pipeline/preflight.ts';
import { DeployError } from '../ground/step.ts';
import type { DeployStep, StepReport } from '../ground/step.ts';

/** Step Functions' limit on a definition (1 MB of UTF-8). */
export const MAX_DEFINITION_BYTES = 1024 * 1024;

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

export interface StateMachineStepOptions {
  clients: AwsClients;
  logger: Logger;
  preflight: Preflight;
  target: DeployTarget;
  /** The model's step-functions.json as text (placeholders not yet filled). */
  definitionText: string;
  /** Path shown in messages. */
  definitionPath: string;
  publish: boolean;
  imageTag: string;
  commitSha: string;
}

export class StateMachineStep implements DeployStep<StateMachinePlan, StateMachineOutcome> {
  readonly name = 'state-machine' as const;
  readonly #o: StateMachineStepOptions;
  readonly #machine: StateMachineFacts;

  constructor(options: StateMachineStepOptions) {
    this.#o = options;
    if (!options.preflight.stateMachine) throw new Error('StateMachineStep needs the state machine from the preflight.');
    this.#machine = options.preflight.stateMachine;
  }

  async plan(): Promise<StateMachinePlan> {
    const { preflight, target, definitionPath } = this.#o;
    const values: Record<string, string> = {
      AccountId: preflight.accountId,
      Region: preflight.region,
      ModelName: target.modelName,
      LambdaFunctionArn: preflight.function?.arn ?? '',
      BucketName: target.bucketName,
    };
    const { text, missing } = substituteDefinition(this.#o.definitionText, values);
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
    const validation = await this.#validate(text);

    let deployed: unknown;
    try {
      deployed = JSON.parse(this.#machine.definition);
    } catch {
      deployed = this.#machine.definition;
    }
    const changed = !isDeepStrictEqual(parsed, deployed);
    return {
      stateMachineArn: this.#machine.arn,
      definition: text,
      changed,
      diff: changed ? jsonDiff(deployed, parsed) : [],
      validation,
      publish: this.#o.publish,
      versionDescription: `${this.#o.imageTag} (commit ${this.#o.commitSha.slice(0, 12)})`.slice(0, 256),
    };
  }

  async apply(plan: StateMachinePlan): Promise<StateMachineOutcome> {
    const { clients, logger } = this.#o;
    const arn = plan.stateMachineArn;
    if (plan.changed) {
      logger.info(`Updating state machine ${arn} (role, logging and tracing kept).`);
      let output;
      try {
        output = await clients.sfn.send(
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
    return { stateMachineArn: arn, updated: false, versionArn: await this.#publishUnchanged(plan) };
  }

  reportPlan(plan: StateMachinePlan): StepReport {
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

  reportOutcome(outcome: StateMachineOutcome): StepReport {
    const details: StepReport['details'] = [['State machine', outcome.stateMachineArn]];
    if (outcome.versionArn) details.push(['Version', outcome.versionArn]);
    const outputs: Record<string, string> = { 'state-machine-arn': outcome.stateMachineArn };
    if (outcome.versionArn) outputs['state-machine-version-arn'] = outcome.versionArn;
    return { step: 'state-machine', status: outcome.updated ? 'updated' : 'unchanged', details, outputs };
  }

  /** ValidateStateMachineDefinition: a DeployError on FAIL; a warning (and go on) when the API does not answer. */
  async #validate(definition: string): Promise<string> {
    const { clients, logger, definitionPath } = this.#o;
    let output;
    try {
      output = await clients.sfnAdvisory.send(new ValidateStateMachineDefinitionCommand({ definition, type: 'STANDARD' }));
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

  async #publishUnchanged(plan: StateMachinePlan): Promise<string | undefined> {
    const { clients, logger } = this.#o;
    try {
      const output = await clients.sfn.send(
        new PublishStateMachineVersionCommand({
          stateMachineArn: plan.stateMachineArn,
          description: plan.versionDescription,
          ...(this.#machine.revisionId ? { revisionId: this.#machine.revisionId } : {}),
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
      const output = await clients.sfn.send(
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
}

export const DIFF_LIMIT = 30;

/** Differences between two JSON values as `- path: old` / `+ path: new` lines, at most DIFF_LIMIT (then a count). */
export function jsonDiff(before: unknown, after: unknown): string[] {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (isDeepStrictEqual(a, b)) return;
    const bothObjects = isObject(a) && isObject(b);
    const bothArrays = Array.isArray(a) && Array.isArray(b);
    if (bothObjects) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
      for (const key of keys) walk(a[key], b[key], `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`);
      return;
    }
    if (bothArrays && a.length === b.length) {
      a.forEach((item, index) => walk(item, b[index], `${path}[${index}]`));
      return;
    }
    if (a !== undefined) lines.push(`- ${path || '$'}: ${short(a)}`);
    if (b !== undefined) lines.push(`+ ${path || '$'}: ${short(b)}`);
  };
  walk(before, after, '');
  if (lines.length <= DIFF_LIMIT) return lines;
  return [...lines.slice(0, DIFF_LIMIT), `… and ${lines.length - DIFF_LIMIT} more line(s)`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
