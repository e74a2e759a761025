/**
 * The AWS resources of one model, as the run names them and as the preflight found them. Terraform creates them;
 * the action never does.
 */
import type { ResourceKind } from './names.ts';
import type { Release } from './release.ts';


/** The model and the names of its resources. */
export interface DeployTarget {
  /** The model folder's name (QUETZAL_MODEL_NAME, ${ModelName}). */
  modelName: string;
  /** Absolute path of the model folder. */
  modelDir: string;
  repositoryName: string;
  functionName: string;
  /** State machine name or ARN. */
  stateMachine: string;
  bucketName: string;
  /** An ECS model's task-definition family and cluster. */
  taskFamily?: string;
  cluster?: string;
}

/** A resource a step needs checked: by the kind its name has (src/ground/names.ts), or an ECS model's two. */
export type Resource = ResourceKind | 'ecsTaskDefinition' | 'ecsCluster';

/** The latest ACTIVE revision of an ECS model's task-definition family, as DescribeTaskDefinition gave it. */
export interface TaskDefinitionFacts {
  family: string;
  arn: string;
  revision: number;
  /** The revision as RegisterTaskDefinition takes it: every field but the read-only ones. */
  definition: Record<string, unknown>;
  tags: Array<{ key?: string; value?: string }>;
  /** Docker platform of its runtimePlatform (linux/amd64 when it names none). */
  platform: string;
}

export interface RepositoryFacts {
  name: string;
  uri: string;
  registryId: string;
}

export interface FunctionFacts {
  name: string;
  arn: string;
  /** 'x86_64' or 'arm64'. */
  architecture: string;
  /** Docker platform matching the architecture, e.g. linux/amd64. */
  platform: string;
  /** The image the function runs now, as configured (tag or digest form). */
  imageUri: string;
  /** The digest the function runs now, when known. */
  imageDigest?: string;
  environment: Record<string, string>;
}

export interface StateMachineFacts {
  arn: string;
  name: string;
  roleArn: string;
  definition: string;
  revisionId?: string;
}

/** What the preflight read: the account, and each resource a selected step needs. */
export interface Preflight {
  accountId: string;
  region: string;
  repository?: RepositoryFacts;
  function?: FunctionFacts;
  stateMachine?: StateMachineFacts;
  bucket?: { name: string };
  taskDefinition?: TaskDefinitionFacts;
  cluster?: { name: string; arn: string };
  /** A rollback's release (mode rollback, or plan with input `to`): the steps then plan from it. */
  release?: Release;
}

/** `sha256:…` from `repo@sha256:…`, or undefined. */
export function digestOf(imageUri: string): string | undefined {
  return /@(sha256:[0-9a-f]{64})$/.exec(imageUri)?.[1];
}
