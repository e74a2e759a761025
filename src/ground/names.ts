import type { Finding } from './findings.ts';
import type { EnvEntry } from './env-file.ts';

/** The four AWS resources a model deploys to, all created beforehand by terraform. */
export type ResourceKind = 'ecrRepository' | 'lambdaFunction' | 'bucket' | 'stateMachine';

export interface ResourceName {
  value: string;
  /** Where the value came from, for the job summary: "input `bucket`", ".env line 3 (AWS_BUCKET_NAME)", ... */
  source: string;
  /** Where in `.env` the value stands, when it came from there. */
  line?: number;
  column?: number;
}

export type ResourceNames = Record<ResourceKind, ResourceName>;

export const RESOURCE_LABELS: Record<ResourceKind, string> = {
  ecrRepository: 'ECR repository',
  lambdaFunction: 'Lambda function',
  bucket: 'S3 bucket',
  stateMachine: 'State machine',
};

export const RESOURCE_INPUTS: Record<ResourceKind, string> = {
  ecrRepository: 'ecr-repository',
  lambdaFunction: 'lambda-function',
  bucket: 'bucket',
  stateMachine: 'state-machine',
};

const ENV_KEYS = {
  ecrRepository: 'AWS_ECR_REPO_NAME',
  lambdaFunction: 'AWS_LAMBDA_FUNCTION_NAME',
  bucket: 'AWS_BUCKET_NAME',
} as const;

export interface NameResolution {
  names: Partial<ResourceNames>;
  findings: Finding[];
}

/**
 * Resolves the four names: an input wins; else the `.env` key; `AWS_ECR_REPO_NAME` alone (the newer template)
 * names everything; the state machine defaults to the Lambda function's name. Every name is checked against the
 * rules AWS enforces, and a finding points at the `.env` line it came from.
 */
export function resolveNames(
  envFile: string,
  env: ReadonlyMap<string, EnvEntry> | null,
  overrides: Partial<Record<ResourceKind, string>>,
): NameResolution {
  const findings: Finding[] = [];
  const names: Partial<ResourceNames> = {};

  const fromEnv = (key: string): ResourceName | undefined => {
    const entry = env?.get(key);
    if (entry === undefined || entry.value.trim() === '') return undefined;
    return { value: entry.value.trim(), source: `.env line ${entry.line} (${key})`, line: entry.line, column: entry.column };
  };

  const fallbackRepository = fromEnv(ENV_KEYS.ecrRepository);
  const pick = (kind: ResourceKind, ...candidates: Array<() => ResourceName | undefined>): void => {
    const override = overrides[kind]?.trim();
    if (override) {
      names[kind] = { value: override, source: `input \`${RESOURCE_INPUTS[kind]}\`` };
      return;
    }
    for (const candidate of candidates) {
      const found = candidate();
      if (found) {
        names[kind] = found;
        return;
      }
    }
  };

  pick('ecrRepository', () => fallbackRepository);
  pick('lambdaFunction', () => fromEnv(ENV_KEYS.lambdaFunction), () => sameAs(fallbackRepository));
  pick('bucket', () => fromEnv(ENV_KEYS.bucket), () => sameAs(fallbackRepository));
  pick('stateMachine', () => {
    const lambda = names.lambdaFunction;
    return lambda && { ...lambda, value: lambdaNameOf(lambda.value), source: `${lambda.source}, the Lambda function's name` };
  });

  // `AWS_ECR_REPO_NAME=<model_name>` alone names four resources: report its line once per problem.
  const reported = new Set<string>();
  for (const kind of Object.keys(RESOURCE_LABELS) as ResourceKind[]) {
    const name = names[kind];
    if (name === undefined) {
      findings.push({
        severity: 'error',
        rule: 'names/missing',
        file: env === null ? '' : envFile,
        message:
          `No ${RESOURCE_LABELS[kind]} name: set ${kind === 'stateMachine' ? 'input `state-machine`' : `${ENV_KEYS[kind as keyof typeof ENV_KEYS]} in .env (AWS_ECR_REPO_NAME alone names every resource)`}` +
          ` or input \`${RESOURCE_INPUTS[kind]}\`.`,
      });
      continue;
    }
    const problem = checkName(kind, name.value);
    const position = name.line === undefined ? { file: '' } : { file: envFile, line: name.line, column: name.column };
    const key = `${name.line ?? kind}:${problem}`;
    if (problem && !reported.has(key)) {
      reported.add(key);
      findings.push({ severity: 'error', rule: 'names/invalid', ...position, message: `${RESOURCE_LABELS[kind]} name "${name.value}" (${name.source}): ${problem}` });
    }
  }
  return { names, findings };
}

function sameAs(name: ResourceName | undefined): ResourceName | undefined {
  return name && { ...name, source: `${name.source}, which names every resource` };
}

/** The account may be a `${AccountId}` placeholder in a definition. */
const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/;
const PARTIAL_LAMBDA_ARN = /^\d{12}:function:([^:]+)/;

/** `arn:aws:lambda:region:account:function:NAME[:qualifier]` → NAME; a plain name stays as it is. */
function lambdaNameOf(nameOrArn: string): string {
  return LAMBDA_ARN.exec(nameOrArn)?.[1] ?? nameOrArn;
}

/** True for a Lambda function ARN (`arn:aws:lambda:region:account:function:NAME[:qualifier]`). */
export function isLambdaArn(value: string): boolean {
  return LAMBDA_ARN.test(value);
}

/** The bare function name of a Lambda name, partial ARN or ARN, as a definition may write it (qualifier dropped). */
export function lambdaFunctionNameOf(value: string): string {
  return (LAMBDA_ARN.exec(value) ?? PARTIAL_LAMBDA_ARN.exec(value))?.[1] ?? value.split(':')[0];
}

const PLACEHOLDER = /<[^<>]*>/;

/** Why AWS would refuse `value` as a name of this kind, or undefined when it is fine. */
export function checkName(kind: ResourceKind, value: string): string | undefined {
  const placeholder = PLACEHOLDER.exec(value);
  if (placeholder) {
    return `the template placeholder ${placeholder[0]} is still there; replace it with the model's name (terraform's quetzal_model_name).`;
  }
  switch (kind) {
    case 'bucket':
      return checkBucketName(value);
    case 'ecrRepository':
      return value.length < 2 || value.length > 256 || !/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(value)
        ? 'ECR repository names are 2–256 lowercase letters, digits and . _ - / (each part starting and ending with a letter or digit).'
        : undefined;
    case 'lambdaFunction': {
      const name = lambdaNameOf(value);
      if (value.startsWith('arn:') && name === value) return 'this Lambda ARN is malformed; use arn:aws:lambda:REGION:ACCOUNT:function:NAME or the plain name.';
      return /^[A-Za-z0-9_-]{1,64}$/.test(name)
        ? undefined
        : 'Lambda function names are 1–64 letters, digits, hyphens and underscores.';
    }
    case 'stateMachine': {
      if (value.startsWith('arn:')) {
        return /^arn:[^:]+:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/.test(value)
          ? undefined
          : 'this state machine ARN is malformed; use arn:aws:states:REGION:ACCOUNT:stateMachine:NAME or the plain name.';
      }
      // eslint-disable-next-line no-control-regex
      return value.length >= 1 && value.length <= 80 && !/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(value)
        ? undefined
        : 'state machine names are 1–80 characters without spaces, brackets, wildcards or any of " # % \\ ^ | ~ ` $ & , ; : /.';
    }
  }
}

function checkBucketName(value: string): string | undefined {
  const rule =
    'S3 bucket names are 3–63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.';
  if (value.length < 3 || value.length > 63 || !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(value)) return rule;
  if (value.includes('..')) return 'S3 bucket names cannot contain two dots in a row.';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(value)) return 'S3 bucket names cannot look like an IP address.';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(value) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(value)) {
    return 'S3 reserves this prefix or suffix for its own buckets.';
  }
  return undefined;
}
