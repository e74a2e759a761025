/** Shared fixtures for the deploy unit tests: a Preflight, a collecting Logger. */
import type { Logger } from '../../../src/ground/logger.ts';
import { createAwsClients, loadContainerSteps } from '../../../src/ground/aws.ts';
import { LambdaStep, type LambdaStepOptions } from '../../../src/lambda/step.ts';
import type { Preflight } from '../../../src/pipeline/preflight.ts';

export const ACCOUNT = '123456789012';
export const REPOSITORY_URI = `${ACCOUNT}.dkr.ecr.eu-west-3.amazonaws.com/quetzal-paris`;
export const OLD_DIGEST = `sha256:${'a'.repeat(64)}`;
export const NEW_DIGEST = `sha256:${'b'.repeat(64)}`;

// The ECR, Lambda and Step Functions clients are loaded on demand (as a deploy with container steps does).
await loadContainerSteps();

export function testClients() {
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  return createAwsClients({ region: 'eu-west-3', maxAttempts: 1 });
}

export function testPreflight(overrides: Partial<Preflight> = {}): Preflight {
  return {
    accountId: ACCOUNT,
    region: 'eu-west-3',
    repository: { name: 'quetzal-paris', uri: REPOSITORY_URI, registryId: ACCOUNT },
    function: {
      name: 'quetzal-paris',
      arn: `arn:aws:lambda:eu-west-3:${ACCOUNT}:function:quetzal-paris`,
      architecture: 'x86_64',
      platform: 'linux/amd64',
      imageUri: `${REPOSITORY_URI}@${OLD_DIGEST}`,
      imageDigest: OLD_DIGEST,
      environment: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'old' },
    },
    stateMachine: {
      arn: `arn:aws:states:eu-west-3:${ACCOUNT}:stateMachine:quetzal-paris`,
      name: 'quetzal-paris',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn`,
      definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }),
    },
    bucket: { name: 'quetzal-paris' },
    ...overrides,
  };
}

export interface CollectedLogger extends Logger {
  infos: string[];
  warnings: string[];
  secrets: string[];
}

export function collectingLogger(): CollectedLogger {
  const infos: string[] = [];
  const warnings: string[] = [];
  const secrets: string[] = [];
  return {
    infos,
    warnings,
    secrets,
    info: (message) => infos.push(message),
    warning: (message) => warnings.push(message),
    debug: () => {},
    secret: (value) => secrets.push(value),
    group: (_title, task) => task(),
  };
}

/** A Lambda step on the test preflight, polling fast; `overrides` change any option. */
export function makeLambdaStep(overrides: Partial<LambdaStepOptions> = {}): { step: LambdaStep; logger: CollectedLogger } {
  const logger = collectingLogger();
  const step = new LambdaStep({
    clients: testClients(),
    logger,
    preflight: testPreflight(),
    imageTag: 'abc123',
    commitSha: 'abc123def4567890',
    publish: false,
    waitTimeoutMinutes: 1,
    pollDelay: { min: 0.01, max: 0.02 },
    ...overrides,
  });
  return { step, logger };
}
