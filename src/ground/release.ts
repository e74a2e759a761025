/**
 * A release is a snapshot: a Lambda version (the image) and a state machine version whose definition calls that
 * Lambda version. Both carry the same description, which is how a rollback finds them again:
 * `tag v1.2.0 commit <40 hex>` on a tag, `commit <40 hex>` otherwise.
 */
import { lambdaFunctionNameOf } from './names.ts';

/** Lambda and Step Functions both accept descriptions of at most 256 characters. */
const MAX_DESCRIPTION = 256;

export interface ReleaseLabel {
  tag?: string;
  commit?: string;
}

/** The description of the versions a deploy publishes. */
export function releaseDescription({ tag, commit }: ReleaseLabel): string {
  const commitPart = `commit ${commit ?? 'unknown'}`;
  if (tag === undefined) return commitPart;
  const room = MAX_DESCRIPTION - commitPart.length - 'tag  '.length;
  return `tag ${tag.slice(0, room)} ${commitPart}`;
}

/** The tag and commit of a version's description (also the older `<image tag> (commit <12 hex>)` form). */
export function parseReleaseDescription(description: string | undefined): ReleaseLabel {
  const text = description ?? '';
  const label: ReleaseLabel = {};
  const tag = /^tag (\S+) commit /.exec(text);
  if (tag) label.tag = tag[1];
  const commit = /(?:^|[\s(])commit ([0-9a-f]{7,40})\b/.exec(text);
  if (commit) label.commit = commit[1];
  return label;
}

/** Whether a release label answers to `to`: the tag itself, or a commit given in full or by a prefix of 7+ hex. */
export function labelMatches(label: ReleaseLabel, to: string): boolean {
  if (label.tag !== undefined && label.tag === to) return true;
  if (label.commit === undefined || !/^[0-9a-f]{7,40}$/.test(to)) return false;
  return label.commit.startsWith(to) || to.startsWith(label.commit);
}

/** `arn:…:function:NAME:QUALIFIER` → QUALIFIER when it is a version number. */
export function versionOfQualifiedArn(arn: string): string | undefined {
  return /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+:(\d+)$/.exec(arn)?.[1];
}

/** The version a definition's string calls `functionName` with: the qualified ARN, partial ARN or name (`NAME:7`). */
function versionCalled(value: string, functionName: string): string | undefined {
  const full = versionOfQualifiedArn(value);
  if (full !== undefined) return lambdaFunctionNameOf(value) === functionName ? full : undefined;
  const short = /^(?:\d{12}:function:)?([^:]+):(\d+)$/.exec(value);
  return short && short[1] === functionName ? short[2] : undefined;
}

/**
 * The versions of Lambda function `functionName` that a definition calls (`…:function:NAME:7`, `ACCOUNT:function:NAME:7`
 * or `NAME:7`), found in every string of the definition. A definition that is not JSON names none.
 */
export function lambdaVersionsIn(definition: string, functionName: string): Set<string> {
  const versions = new Set<string>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch {
    return versions;
  }
  const name = lambdaFunctionNameOf(functionName);
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const version = versionCalled(value, name);
      if (version !== undefined) versions.add(version);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value && typeof value === 'object') {
      for (const item of Object.values(value)) visit(item);
    }
  };
  visit(parsed);
  return versions;
}

/** A release found again for a rollback: the state machine version and the Lambda version it calls. */
export interface Release {
  /** What was asked for (input `to`). */
  to: string;
  stateMachineVersionArn: string;
  stateMachineVersion: string;
  description: string;
  /** That state machine version's definition. */
  definition: string;
  lambdaVersion: string;
  lambdaVersionArn: string;
  /** The Lambda version's image, repository@digest. */
  imageUri: string;
  /** The Lambda version's IMAGE_TAG. */
  imageTag?: string;
  created?: Date;
}
