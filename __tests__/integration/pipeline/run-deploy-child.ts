/**
 * Runs the pipeline in its own process, as a runner would: the environment (AWS_ENDPOINT_URL, DOCKER_HOST,
 * NODE_EXTRA_CA_CERTS, ...) is the process's own. Input: one JSON argument. Output: one JSON line on stdout,
 * `{ ok: true, reports, outputs }` or `{ ok: false, name, message, hint, reports }`.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AwsClients } from '../../../src/ground/aws.ts';
import { DeployError } from '../../../src/ground/errors.ts';
import type { GitContext } from '../../../src/ground/git.ts';
import type { Logger } from '../../../src/ground/logger.ts';
import type { DeployTarget } from '../../../src/ground/resources.ts';
import { parseSettings } from '../../../src/ground/settings/index.ts';
import { CliDockerEngine } from '../../../src/image/docker.ts';
import { ImageStep } from '../../../src/image/step.ts';
import { LambdaStep } from '../../../src/lambda/step.ts';
import { PipelineError, collectOutputs, runPipeline } from '../../../src/pipeline/pipeline.ts';
import { runPreflight } from '../../../src/pipeline/preflight.ts';
import { ScenarioSyncStep } from '../../../src/scenarios/index.ts';
import { StateMachineStep } from '../../../src/state-machine/step.ts';

export interface ChildRequest {
  mode: 'plan' | 'deploy';
  target: DeployTarget;
  inputs: Record<string, string>;
  git: GitContext;
  definitionPath: string;
  dockerCommand?: string;
}

const request = JSON.parse(process.argv[2]) as ChildRequest;
const log: string[] = [];
const logger: Logger = {
  info: (message) => log.push(message),
  warning: (message) => log.push(`WARNING ${message}`),
  debug: () => {},
  secret: () => {},
  group: (_title, task) => task(),
};
const settings = parseSettings((name) => request.inputs[name] ?? '', { workspace: dirname(request.target.modelDir) });
const aws = new AwsClients({ maxAttempts: settings.deploy.maxAttempts });
try {
  const result = await runPipeline({
    steps: [
      new ImageStep({ docker: new CliDockerEngine({ logger, command: request.dockerCommand }) }),
      new LambdaStep({ pollDelay: { min: 0.2, max: 1 } }),
      new StateMachineStep(),
      new ScenarioSyncStep(),
    ],
    facts: {
      mode: request.mode,
      settings,
      selected: new Set(settings.deploy.steps),
      target: request.target,
      git: request.git,
      aws,
      logger,
      definition: { text: await readFile(request.definitionPath, 'utf8'), path: request.definitionPath },
      changedFiles: null,
    },
    preflight: (needs) => runPreflight(aws, request.target, needs, logger),
    undoOnFailure: settings.deploy.rollback,
  });
  process.stdout.write(`${JSON.stringify({ ok: true, reports: result.reports, outputs: collectOutputs(result.reports), log })}\n`);
} catch (error) {
  const reports = error instanceof PipelineError ? error.reports : [];
  const hint = error instanceof DeployError ? error.hint : undefined;
  const { name, message } = error as Error;
  process.stdout.write(`${JSON.stringify({ ok: false, name, message, hint, reports, log })}\n`);
} finally {
  aws.destroy();
}
