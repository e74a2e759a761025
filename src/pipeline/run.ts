import type { Mode, ModelKind } from '../ground/settings/model.ts';
import type { Settings } from '../ground/settings/index.ts';
import { dockerBuildOf } from '../ground/settings/deploy.ts';
import type { Finding } from '../ground/findings.ts';
import { countBySeverity, sortFindings } from '../ground/findings.ts';
import { changedFilesBetween, type GitContext } from '../ground/git.ts';
import { checkName, RESOURCE_INPUTS, type ResourceKind } from '../ground/names.ts';
import type { Logger } from '../ground/logger.ts';
import type { StepReport } from '../ground/step.ts';
import { validateModel, type ValidationResult } from '../validate/index.ts';
import type { DockerBuild } from '../validate/dockerfile/index.ts';

export interface RunDependencies {
  logger: Logger;
  git: GitContext;
  /** Aborted when the run is cancelled: no new step starts, the deploy lock is released, the summary still written. */
  signal?: AbortSignal;
}

export interface RunResult {
  mode: Mode;
  /** A rollback's release (input `to`), also when planned. */
  rollbackTo?: string;
  validation: ValidationResult;
  /** The model's kind, and how it was found. */
  kind: { value: ModelKind; source: string };
  /** The definition's path (findings in it mark the picture's states). */
  definitionFile: string;
  /** One report per deploy step, in order (plan and deploy modes). */
  steps: StepReport[];
  /** Action outputs, by name. */
  outputs: Record<string, string>;
  /** Links to each resource in the AWS console (plan and deploy modes, once the account is known). */
  consoleLinks?: Partial<Record<ResourceKind, string>>;
  /** The deployed and the planned definition (plan and deploy modes, once the state machine step was planned). */
  comparison?: { deployed: unknown; planned: unknown };
  /** Why the run failed, when it did: findings over the threshold, or a deploy error. */
  failure?: { message: string; hint?: string };
  seconds: number;
}

/** settings → validate → (plan → apply) → result. Both doors, the Action and the CLI, call this. */
export async function runModel(settings: Settings, dependencies: RunDependencies): Promise<RunResult> {
  const started = performance.now();
  const config = settings.model;
  // The files the push changed (which scenarios to sync) are asked of git at once, so that git runs while the
  // model is validated and the deploy code loads.
  const syncsChanged = (config.mode === 'plan' || config.mode === 'deploy') && settings.deploy.rollbackTo === undefined && settings.deploy.steps.includes('scenarios') && settings.sync.scenarios.kind === 'changed';
  const changedFiles = syncsChanged ? changedFilesBetween(config.modelFolder, dependencies.git.before, dependencies.git.after) : null;
  const validation = await validateModel(config, dockerfileChecksOf(settings, dependencies.git));
  const result: RunResult = {
    mode: config.mode,
    rollbackTo: settings.deploy.rollbackTo,
    validation,
    kind: { value: config.kind, source: config.kindSource },
    definitionFile: config.definitionFile,
    steps: [],
    outputs: validationOutputs(validation),
    seconds: 0,
  };
  // A rollback deploys nothing from the checkout, which may be the very thing that is broken: its findings are
  // shown, and only the resource names it needs must resolve (runDeploy checks them).
  result.failure = settings.deploy.rollbackTo === undefined ? validationFailure(validation.findings, config.failOnWarnings) : undefined;
  // Offline ASL errors only, in a deploy that asks Step Functions: it decides (an offline validator lags AWS).
  const unconfirmed = result.failure === undefined ? [] : awsMayOverrule(validation.findings, settings);
  if (unconfirmed.length > 0) result.failure = undefined;

  if (result.failure === undefined && config.mode !== 'validate') {
    // Loaded only now: validate mode never pays for the AWS SDK or the Docker code at start-up.
    const { runDeploy } = await import('./deploy.ts');
    const deployment = await runDeploy({ settings, validation, changedFiles, unconfirmed, ...dependencies });
    result.steps = deployment.steps;
    result.consoleLinks = deployment.consoleLinks;
    result.comparison = deployment.comparison;
    validation.findings = judgedByAws(validation.findings, deployment.overruled ?? [], deployment.findings ?? []);
    Object.assign(result.outputs, deployment.outputs, validationCounts(validation));
    result.failure = deployment.failure;
  } else if (result.failure !== undefined && config.mode !== 'validate') {
    result.failure.message += ' Nothing was written to AWS.';
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** The Docker build the image step runs, for the Dockerfile's checks, with the build args whose value is the commit's. */
function dockerfileChecksOf(settings: Settings, git: GitContext): DockerBuild {
  const { model, deploy } = settings;
  const sha = git.sha;
  const namesCommit = (value: string) => sha !== undefined && (value.includes(sha) || value.includes(sha.slice(0, 7)));
  return {
    ...dockerBuildOf(deploy, model, deploy.imageTag ?? sha ?? 'latest'),
    modelFolder: model.modelFolder,
    perCommitArgs: new Set(['IMAGE_TAG', ...Object.entries(deploy.buildArgs).filter(([, value]) => namesCommit(value)).map(([name]) => name)]),
  };
}

function validationFailure(findings: readonly Finding[], failOnWarnings: boolean): RunResult['failure'] {
  const counts = countBySeverity(findings);
  if (counts.error > 0) {
    return { message: `Validation found ${plural(counts.error, 'error')}${counts.warning ? ` and ${plural(counts.warning, 'warning')}` : ''}.` };
  }
  if (failOnWarnings && counts.warning > 0) {
    return { message: `Validation found ${plural(counts.warning, 'warning')} and \`fail-on-warnings\` is true.` };
  }
  return undefined;
}

/**
 * The offline errors Step Functions may overrule: every error is an ASL rule's in the definition (not its size, which
 * is AWS's own limit), and the run is a plan or a deploy whose state machine step asks ValidateStateMachineDefinition.
 * Otherwise none: the errors stop the run before anything is read from AWS.
 */
function awsMayOverrule(findings: readonly Finding[], settings: Settings): Finding[] {
  const { model, deploy } = settings;
  const asks = (model.mode === 'plan' || model.mode === 'deploy') && deploy.rollbackTo === undefined && model.kind === 'lambda' && deploy.steps.includes('state-machine');
  if (!asks || model.failOnWarnings) return [];
  const errors = findings.filter((finding) => finding.severity === 'error');
  const overrulable = (finding: Finding) => finding.file === model.definitionFile && finding.rule.startsWith('asl/') && finding.rule !== 'asl/size';
  return errors.every(overrulable) ? errors : [];
}

/** The findings once Step Functions judged the definition: the errors it accepts are warnings, its own errors added. */
function judgedByAws(findings: Finding[], overruled: readonly Finding[], rejected: readonly Finding[]): Finding[] {
  if (overruled.length === 0 && rejected.length === 0) return findings;
  const accepted = new Set(overruled);
  const judged = findings.map((finding) =>
    accepted.has(finding)
      ? { ...finding, severity: 'warning' as const, message: `${finding.message} AWS accepts this (ValidateStateMachineDefinition): the offline rule may be out of date; \`ignore-rules: ${finding.rule}\` silences it.` }
      : finding,
  );
  return sortFindings([...judged, ...rejected]);
}

function validationOutputs(validation: ValidationResult): Record<string, string> {
  const outputs = validationCounts(validation);
  // A name is an output only once it passed AWS's rules: on a pull request it is the PR author's text, and a
  // workflow may paste an output into a shell.
  for (const [kind, input] of Object.entries(RESOURCE_INPUTS) as Array<[ResourceKind, string]>) {
    const name = validation.names[kind];
    if (name && checkName(kind, name.value) === undefined) outputs[input] = name.value;
  }
  return outputs;
}

function validationCounts(validation: ValidationResult): Record<string, string> {
  const counts = countBySeverity(validation.findings);
  return { errors: String(counts.error), warnings: String(counts.warning), notices: String(counts.notice) };
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
