/**
 * Every deploy step has the same shape: find what differs (read-only), apply it (writes), report it.
 * `plan` mode calls only `plan`; `deploy` mode calls `plan` for every step first (preflight), then `apply`.
 */
import type { Logger } from './logger.ts';

export type StepName = 'image' | 'lambda' | 'state-machine' | 'scenarios';
export const ALL_STEPS: readonly StepName[] = ['image', 'lambda', 'state-machine', 'scenarios'];

/** One row of the job summary for a step: a short status and key/value details. */
export interface StepReport {
  step: StepName;
  /** e.g. 'built and pushed', 'unchanged', 'would update', 'skipped' */
  status: string;
  /** Ordered details shown in the summary, e.g. ['Image URI', '...'] */
  details: Array<[label: string, value: string]>;
  /** Action outputs this step sets, e.g. { 'image-digest': 'sha256:...' } */
  outputs: Record<string, string>;
  /** Optional markdown table or diff appended below the step's details. */
  markdown?: string;
  seconds?: number;
}

export interface DeployStep<Plan, Outcome> {
  readonly name: StepName;
  /** Read-only: what would change. Throws a DeployError when something is missing or unreachable. */
  plan(): Promise<Plan>;
  /**
   * Optional: resolves once the running plan's slowest reads are on their way (however the plan ends), so that
   * they leave before other requests (the scenario listings, the longest wait of a small sync).
   */
  planReadsSent?(): Promise<void>;
  /** Writes the planned change. */
  apply(plan: Plan): Promise<Outcome>;
  reportPlan(plan: Plan): StepReport;
  reportOutcome(outcome: Outcome): StepReport;
}

/** An error the user can act on: one line saying what is wrong and what to do. */
export class DeployError extends Error {
  readonly hint?: string;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeployError';
    this.hint = hint;
  }
}

export interface StepEnvironment {
  logger: Logger;
  /** AWS account id from STS GetCallerIdentity. */
  accountId: string;
  region: string;
}
