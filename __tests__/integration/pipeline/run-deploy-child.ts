/**
 * Runs runDeploySteps in its own process, as a runner would: the environment (AWS_ENDPOINT_URL, DOCKER_HOST,
 * NODE_EXTRA_CA_CERTS, ...) is the process's own. Input: one JSON argument. Output: one JSON line on stdout,
 * `{ ok: true, reports, outputs }` or `{ ok: false, name, message, hint, reports }`.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../../../src/ground/logger.ts';
import { createAwsClients, destroyAwsClients } from '../../../src/ground/aws.ts';
import { CliDockerEngine } from '../../../src/image/docker.ts';
import { parseDeployOptions } from '../../../src/ground/settings/deploy.ts';
import type { GitContext } from '../../../src/ground/settings/deploy.ts';
import type { DeployTarget } from '../../../src/pipeline/preflight.ts';
import { DeployRunError, runDeploySteps } from '../../../src/pipeline/pipeline.ts';
import { DeployError } from '../../../src/ground/step.ts';

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
const options = parseDeployOptions((name) => request.inputs[name] ?? '');
const clients = createAwsClients({ maxAttempts: options.maxAttempts });
try {
  const result = await runDeploySteps({
    mode: request.mode,
    clients,
    logger,
    target: request.target,
    options,
    git: request.git,
    definition: { text: await readFile(request.definitionPath, 'utf8'), path: request.definitionPath },
    docker: new CliDockerEngine({ logger, command: request.dockerCommand }),
    lambdaPollDelay: { min: 0.2, max: 1 },
  });
  process.stdout.write(`${JSON.stringify({ ok: true, reports: result.reports, outputs: result.outputs, log })}\n`);
} catch (error) {
  const reports = error instanceof DeployRunError ? error.reports : [];
  const hint = error instanceof DeployError ? error.hint : undefined;
  const { name, message } = error as Error;
  process.stdout.write(`${JSON.stringify({ ok: false, name, message, hint, reports, log })}\n`);
} finally {
  destroyAwsClients(clients);
}
