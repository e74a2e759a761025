/**
 * The step contract. A step is one concern of a deploy (the image, the Lambda, the state machine, the scenarios),
 * in a folder of its own, and every step honours the contract the same way:
 *
 * - `plan(context)` reads only and says what would change; it may use the plans of the steps before it.
 * - `apply(plan, context)` makes the planned change; it may use the outcomes of the steps before it.
 * - `report(plan, outcome?)` is the step's part of the summary: what would change, or (with the outcome) what did.
 * - `undo(outcome, context)`, when the step has one, puts back what `apply` changed. The pipeline calls it, in
 *   reverse order, for the steps applied before a step that failed (input `rollback`).
 *
 * The pipeline plans every step before it applies any: nothing is written before every plan has succeeded.
 * Adding a step is a folder that exports a `Step`, its name in `StepName` and one entry in the pipeline's list
 * (src/pipeline/deploy.ts); a step that reads an earlier one's plan or outcome imports that step's types only.
 */
import type { AwsClients } from './aws.ts';
import type { Finding } from './findings.ts';
import type { GitContext } from './git.ts';
import type { Logger } from './logger.ts';
import type { DeployTarget, Preflight, Resource } from './resources.ts';
import type { Settings } from './settings/index.ts';

export type StepName = 'image' | 'lambda' | 'state-machine' | 'ecs' | 'scenarios' | 'smoke';
/**
 * The steps input `steps` names (the smoke run is asked for by input `smoke-test`). A Lambda model has image,
 * lambda, state-machine and scenarios; an ECS model image, ecs and scenarios.
 */
export const ALL_STEPS: readonly StepName[] = ['image', 'lambda', 'state-machine', 'ecs', 'scenarios'];

/** What every step is given: the run's settings and facts, and what the steps before it planned and did. */
export interface StepContext {
  readonly mode: 'plan' | 'deploy';
  readonly settings: Settings;
  /** The steps the run applies (input `steps`). */
  readonly selected: ReadonlySet<StepName>;
  readonly target: DeployTarget;
  readonly git: GitContext;
  readonly aws: AwsClients;
  readonly logger: Logger;
  /** What the preflight read of the account and the resources. */
  readonly preflight: Preflight;
  /**
   * The model's step-functions.json as validated (placeholders unfilled), and its path for messages. `unconfirmed`:
   * the offline ASL errors that Step Functions may overrule (the run goes on only if ValidateStateMachineDefinition
   * says the definition is valid).
   */
  readonly definition: { text: string; path: string; unconfirmed?: readonly Finding[] };
  /** The files the push changed, relative to the model folder; null when git cannot tell. */
  readonly changedFiles: Promise<string[] | null> | null;
  /** The plans made so far, by step. */
  readonly plans: ReadonlyMap<StepName, unknown>;
  /** The outcomes of the steps applied so far, by step. */
  readonly outcomes: ReadonlyMap<StepName, unknown>;
  /** Aborted when the run is cancelled: a long step stops starting work and says what is left. */
  readonly signal?: AbortSignal;
}

export interface Step<Plan = unknown, Outcome = unknown> {
  readonly name: StepName;
  /** The group heading in the log, e.g. 'State machine'. */
  readonly title: string;
  /** The resources the preflight checks for this step. */
  readonly needs: readonly Resource[];
  /**
   * Whether the pipeline plans this step: by default when it is selected. (The image is also planned for the
   * Lambda alone, which needs to know which image it runs; it is applied only when selected.)
   */
  isPlanned?(selected: ReadonlySet<StepName>, settings: Settings): boolean;
  plan(context: StepContext): Promise<Plan>;
  apply(plan: Plan, context: StepContext): Promise<Outcome>;
  report(plan: Plan, outcome?: Outcome): StepReport;
  /** Puts back what `apply` changed; returns what it did, as a sentence, or undefined when there was nothing to undo. */
  undo?(outcome: Outcome, context: StepContext): Promise<string | undefined>;
}

/** A step's part of the summary: a short status and key/value details. */
export interface StepReport {
  step: StepName;
  /** e.g. 'built and pushed', 'unchanged', 'would update', 'skipped (not in steps)' */
  status: string;
  /** Ordered details shown in the summary, e.g. ['Image URI', '...'] */
  details: Array<[label: string, value: string]>;
  /** Action outputs this step sets, e.g. { 'image-digest': 'sha256:...' } */
  outputs: Record<string, string>;
  /** Optional markdown table or diff appended below the step's details. */
  markdown?: string;
  seconds?: number;
}
