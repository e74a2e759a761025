/**
 * A StepContext for tests: the settings parsed from `inputs` as the action parses them, a collecting logger, the
 * test preflight, no plans nor outcomes yet. `overrides` replace any field.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsClients } from '../../src/ground/aws.ts';
import type { Logger } from '../../src/ground/logger.ts';
import type { DeployTarget, Preflight } from '../../src/ground/resources.ts';
import { parseSettings, type Settings } from '../../src/ground/settings/index.ts';
import { ALL_STEPS, type StepContext } from '../../src/ground/step.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-3';
export const REPOSITORY_URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/quetzal-paris`;
export const OLD_DIGEST = `sha256:${'a'.repeat(64)}`;
export const NEW_DIGEST = `sha256:${'b'.repeat(64)}`;
export const COMMIT = 'abc123def4567890abc123def4567890abc123de';

/** Settings as the action would parse them from these inputs (every other input unset). */
export function testSettings(inputs: Record<string, string> = {}, workspace = mkdtempSync(join(tmpdir(), 'step-context-'))): Settings {
  return parseSettings((name) => inputs[name] ?? '', { workspace });
}

export function testPreflight(overrides: Partial<Preflight> = {}): Preflight {
  return {
    accountId: ACCOUNT,
    region: REGION,
    repository: { name: 'quetzal-paris', uri: REPOSITORY_URI, registryId: ACCOUNT },
    function: {
      name: 'quetzal-paris',
      arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:quetzal-paris`,
      architecture: 'x86_64',
      platform: 'linux/amd64',
      imageUri: `${REPOSITORY_URI}@${OLD_DIGEST}`,
      imageDigest: OLD_DIGEST,
      environment: { BUCKET_NAME: 'quetzal-paris', OTHER: 'kept', IMAGE_TAG: 'old' },
    },
    stateMachine: {
      arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:quetzal-paris`,
      name: 'quetzal-paris',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn`,
      definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }),
    },
    bucket: { name: 'quetzal-paris' },
    ...overrides,
  };
}

export function testTarget(overrides: Partial<DeployTarget> = {}): DeployTarget {
  return {
    modelName: 'quetzal-paris',
    modelDir: '/nonexistent/quetzal-paris',
    repositoryName: 'quetzal-paris',
    functionName: 'quetzal-paris',
    stateMachine: 'quetzal-paris',
    bucketName: 'quetzal-paris',
    ...overrides,
  };
}

export interface CollectedLogger extends Logger {
  infos: string[];
  warnings: string[];
  debugs: string[];
  secrets: string[];
  groups: string[];
}

export function collectingLogger(): CollectedLogger {
  const infos: string[] = [];
  const warnings: string[] = [];
  const debugs: string[] = [];
  const secrets: string[] = [];
  const groups: string[] = [];
  return {
    infos,
    warnings,
    debugs,
    secrets,
    groups,
    info: (message) => infos.push(message),
    warning: (message) => warnings.push(message),
    debug: (message) => debugs.push(message),
    secret: (value) => secrets.push(value),
    group: (title, task) => {
      groups.push(title);
      return task();
    },
  };
}

/** AWS clients for tests: fake credentials, one attempt per call. */
export function testClients(options: { region?: string; maxAttempts?: number } = {}): AwsClients {
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  return new AwsClients({ region: options.region ?? REGION, maxAttempts: options.maxAttempts ?? 1 });
}

export function stepContext(overrides: Partial<StepContext> = {}): StepContext & { logger: CollectedLogger } {
  const logger = (overrides.logger as CollectedLogger | undefined) ?? collectingLogger();
  return {
    mode: 'deploy',
    settings: testSettings(),
    selected: new Set(ALL_STEPS),
    target: testTarget(),
    git: { sha: COMMIT, ref: 'refs/heads/main', repositoryUrl: 'https://github.com/example/quetzal-paris' },
    aws: testClients(),
    preflight: testPreflight(),
    definition: { text: '{}', path: 'step-functions.json' },
    changedFiles: null,
    plans: new Map(),
    outcomes: new Map(),
    ...overrides,
    logger,
  };
}
