/**
 * Finds a release again for a rollback (input `to`). A release is a state machine version, published on a tag,
 * whose definition calls one version of the model's Lambda function by qualified ARN; both versions are described
 * `tag <tag> commit <sha>` or `commit <sha>` (ground/release.ts).
 *
 * `to` is
 * - a number: that Lambda version; the release is the newest state machine version whose definition calls it;
 * - otherwise a tag or a commit (7 to 40 hex): the newest state machine version described with it; when there is
 *   none, the newest Lambda version described with it, and the newest state machine version that calls it.
 * A number that is no Lambda version is looked up as a tag or commit too (a tag may be all digits).
 *
 * Read-only: every failure is a DeployError raised before anything is written.
 */
import {
  GetFunctionCommand,
  paginateListVersionsByFunction,
  type FunctionConfiguration,
  type FunctionCodeLocation,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, ListStateMachineVersionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { describeError, errorName, isAccessDenied } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import { clip, printable } from '../ground/printable.ts';
import { labelMatches, lambdaVersionsIn, parseReleaseDescription, type Release } from '../ground/release.ts';

export type { Release } from '../ground/release.ts';

export interface ReleaseClients {
  lambda: LambdaClient;
  sfn: SFNClient;
}

export interface ReleaseTarget {
  functionName: string;
  functionArn: string;
  stateMachineArn: string;
}

/** How many state machine versions are described at once while searching. */
const DESCRIBE_CONCURRENCY = 8;

const WHERE_RELEASES_COME_FROM =
  'Releases are published on tags (input `publish`): each state machine version is described "tag <tag> commit <sha>" or "commit <sha>" and calls the Lambda version deployed with it (input `pin-lambda-version`).';
const PRUNED =
  'Older versions may have been pruned (input `keep-lambda-versions`) or deleted.';

/** A state machine version, as listed (its description and definition are read when needed). */
interface MachineVersion {
  arn: string;
  version: string;
  created?: Date;
}

interface DescribedVersion extends MachineVersion {
  description: string;
  definition: string;
}

/** The release `to` names, with the Lambda version's image; a DeployError when there is none that can be used. */
export async function findRelease(clients: ReleaseClients, target: ReleaseTarget, to: string): Promise<Release> {
  const finder = new ReleaseFinder(clients, target, to);
  return finder.find();
}

/** One line for messages and the summary: which release, which versions, which image. */
export function describeRelease(release: Release): string {
  const label = parseReleaseDescription(release.description);
  const commit = label.commit ? `commit ${label.commit.slice(0, 12)}` : undefined;
  const name = label.tag !== undefined ? `tag ${label.tag}${commit ? ` (${commit})` : ''}` : (commit ?? `"${release.to}"`);
  const image = `${release.imageUri}${release.imageTag ? `, IMAGE_TAG ${release.imageTag}` : ''}`;
  const created = release.created && !Number.isNaN(release.created.getTime()) ? `, published ${release.created.toISOString()}` : '';
  return printable(`release ${name}: state machine version ${release.stateMachineVersion}, Lambda version ${release.lambdaVersion} (${image})${created}`);
}

class ReleaseFinder {
  readonly #clients: ReleaseClients;
  readonly #target: ReleaseTarget;
  readonly #to: string;
  #machineVersions: Promise<MachineVersion[]> | undefined;
  readonly #described = new Map<string, Promise<DescribedVersion | undefined>>();

  constructor(clients: ReleaseClients, target: ReleaseTarget, to: string) {
    this.#clients = clients;
    this.#target = target;
    this.#to = to;
  }

  async find(): Promise<Release> {
    const to = this.#to;
    if (/^\d+$/.test(to)) {
      const version = to;
      const code = await this.#lambdaVersion(version);
      if (code) {
        const machine = await this.#newestCalling(version);
        if (!machine) {
          throw new DeployError(
            `No release ${quoted(to)}: no state machine version of ${this.#machineName} calls Lambda version ${version} of ${this.#target.functionName}.`,
            `${WHERE_RELEASES_COME_FROM} Versions published while pinning was off call $LATEST, and a Lambda version deployed without a tag has no state machine version. ${PRUNED}`,
          );
        }
        return this.#release(machine, version, code);
      }
      const byLabel = await this.#byLabel();
      if (byLabel) return byLabel;
      throw new DeployError(
        `No release ${quoted(to)}: ${this.#target.functionName} has no Lambda version ${version}, and no state machine version of ${this.#machineName} is described with a tag or commit ${quoted(to)}.`,
        `Give a Lambda version that still exists, a git tag or a commit SHA. ${PRUNED}`,
      );
    }
    const byLabel = await this.#byLabel();
    if (byLabel) return byLabel;
    throw new DeployError(
      `No release ${quoted(to)}: no state machine version of ${this.#machineName} is described with that tag or commit.`,
      `${WHERE_RELEASES_COME_FROM} ${PRUNED}${await this.#knownReleases()}`,
    );
  }

  /** The newest state machine version described with `to`; else the newest Lambda version so described and the newest state machine version calling it. */
  async #byLabel(): Promise<Release | undefined> {
    const to = this.#to;
    const machine = await this.#firstDescribed((version) => labelMatches(parseReleaseDescription(version.description), to));
    if (machine) {
      const lambdaVersion = this.#onlyVersionCalled(machine);
      const code = await this.#lambdaVersion(lambdaVersion);
      if (!code) {
        throw new DeployError(
          `Cannot roll back to ${quoted(to)}: state machine version ${machine.version} of ${this.#machineName} calls Lambda version ${lambdaVersion} of ${this.#target.functionName}, which no longer exists.`,
          `${PRUNED} A rollback needs the release's image: deploy that tag or commit again instead (a deploy, not a rollback).`,
        );
      }
      return this.#release(machine, lambdaVersion, code);
    }
    const lambdaVersion = (await this.#lambdaVersionsNewestFirst()).find((version) => labelMatches(parseReleaseDescription(version.Description), to));
    if (!lambdaVersion?.Version) return undefined;
    const calling = await this.#newestCalling(lambdaVersion.Version);
    if (!calling) {
      throw new DeployError(
        `No release ${quoted(to)}: Lambda version ${lambdaVersion.Version} of ${this.#target.functionName} is described with it, but no state machine version of ${this.#machineName} calls that version.`,
        `${WHERE_RELEASES_COME_FROM} A deploy without a tag publishes no state machine version. ${PRUNED}`,
      );
    }
    const code = await this.#lambdaVersion(lambdaVersion.Version);
    if (!code) {
      throw new DeployError(`Cannot roll back to ${quoted(to)}: Lambda version ${lambdaVersion.Version} of ${this.#target.functionName} was deleted while it was being read.`, PRUNED);
    }
    return this.#release(calling, lambdaVersion.Version, code);
  }

  /** The one version of the function a release's definition calls; a DeployError when it calls none or several. */
  #onlyVersionCalled(machine: DescribedVersion): string {
    const versions = [...lambdaVersionsIn(machine.definition, this.#target.functionName)].sort((a, b) => Number(a) - Number(b));
    const which = `State machine version ${machine.version} of ${this.#machineName} (described ${quoted(clip(machine.description, 120))})`;
    if (versions.length === 0) {
      const what = machine.definition.includes(this.#target.functionName)
        ? `its definition calls $LATEST of ${this.#target.functionName}, not a version of it (it was published with \`pin-lambda-version\` off)`
        : `its definition calls no version of ${this.#target.functionName}`;
      throw new DeployError(
        `${which} is release ${quoted(this.#to)}, but cannot roll back to it: ${what}.`,
        'A rollback puts back the Lambda version its release calls. Roll back to a release published with `pin-lambda-version` on, or deploy that tag or commit again (a deploy, not a rollback).',
      );
    }
    if (versions.length > 1) {
      throw new DeployError(
        `${which} is release ${quoted(this.#to)}, but its definition calls ${versions.length} versions of ${this.#target.functionName} (${versions.join(', ')}): the rollback cannot tell which image to put back.`,
        `Give the Lambda version to go back to as \`to\` (one of ${versions.join(', ')}).`,
      );
    }
    return versions[0];
  }

  async #release(machine: DescribedVersion, lambdaVersion: string, code: { configuration: FunctionConfiguration; code: FunctionCodeLocation | undefined }): Promise<Release> {
    const imageUri = imageOf(code.code);
    if (!imageUri) {
      throw new DeployError(
        `Cannot roll back to ${quoted(this.#to)}: Lambda version ${lambdaVersion} of ${this.#target.functionName} runs no container image (package type ${code.configuration.PackageType ?? 'unknown'}).`,
        'Quetzal models run as container images: check function-name.',
      );
    }
    const configuredArn = code.configuration.FunctionArn;
    const lambdaVersionArn = configuredArn?.endsWith(`:${lambdaVersion}`) ? configuredArn : `${unqualified(this.#target.functionArn)}:${lambdaVersion}`;
    const imageTag = code.configuration.Environment?.Variables?.IMAGE_TAG;
    return {
      to: this.#to,
      stateMachineVersionArn: machine.arn,
      stateMachineVersion: machine.version,
      description: machine.description,
      definition: machine.definition,
      lambdaVersion,
      lambdaVersionArn,
      imageUri,
      ...(imageTag !== undefined ? { imageTag } : {}),
      ...(machine.created ? { created: machine.created } : {}),
    };
  }

  /** A Lambda version's configuration and code; undefined when it does not exist. */
  async #lambdaVersion(version: string): Promise<{ configuration: FunctionConfiguration; code: FunctionCodeLocation | undefined } | undefined> {
    const name = this.#target.functionName;
    try {
      const response = await this.#clients.lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier: version }));
      return { configuration: response.Configuration ?? {}, code: response.Code };
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      throw awsError(`Lambda GetFunction on ${name}:${version}`, error, 'lambda:GetFunction');
    }
  }

  /** The function's published versions (not $LATEST), newest first. */
  async #lambdaVersionsNewestFirst(): Promise<FunctionConfiguration[]> {
    const versions: FunctionConfiguration[] = [];
    try {
      for await (const page of paginateListVersionsByFunction({ client: this.#clients.lambda }, { FunctionName: this.#target.functionName })) {
        for (const version of page.Versions ?? []) if (/^\d+$/.test(version.Version ?? '')) versions.push(version);
      }
    } catch (error) {
      throw awsError(`Lambda ListVersionsByFunction on ${this.#target.functionName}`, error, 'lambda:ListVersionsByFunction');
    }
    return versions.sort((a, b) => Number(b.Version) - Number(a.Version));
  }

  /** The newest state machine version whose definition calls `lambdaVersion` of the function. */
  #newestCalling(lambdaVersion: string): Promise<DescribedVersion | undefined> {
    return this.#firstDescribed((version) => lambdaVersionsIn(version.definition, this.#target.functionName).has(lambdaVersion));
  }

  /** The newest state machine version for which `test` holds, described a few at a time, newest first. */
  async #firstDescribed(test: (version: DescribedVersion) => boolean): Promise<DescribedVersion | undefined> {
    const versions = await this.#listMachineVersions();
    for (let start = 0; start < versions.length; start += DESCRIBE_CONCURRENCY) {
      const window = await Promise.all(versions.slice(start, start + DESCRIBE_CONCURRENCY).map((version) => this.#describe(version)));
      const found = window.find((version) => version !== undefined && test(version));
      if (found) return found;
    }
    return undefined;
  }

  /** The newest few releases, for the hint of a release not found (only those already described). */
  async #knownReleases(): Promise<string> {
    const labels: string[] = [];
    for (const version of await this.#listMachineVersions()) {
      const described = await this.#described.get(version.arn);
      const label = parseReleaseDescription(described?.description);
      const name = label.tag ?? label.commit?.slice(0, 12);
      if (name !== undefined && !labels.includes(name)) labels.push(name);
      if (labels.length === 5) break;
    }
    return labels.length > 0 ? ` Newest releases: ${labels.map((label) => printable(clip(label, 64))).join(', ')}.` : ' The state machine has no release.';
  }

  /** A state machine version's description and definition, read once; undefined when it was deleted meanwhile. */
  #describe(version: MachineVersion): Promise<DescribedVersion | undefined> {
    let described = this.#described.get(version.arn);
    if (!described) {
      described = (async () => {
        try {
          const response = await this.#clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: version.arn }));
          return { ...version, description: response.description ?? '', definition: response.definition ?? '', created: version.created ?? response.creationDate };
        } catch (error) {
          if (errorName(error) === 'StateMachineDoesNotExist') return undefined;
          throw awsError(`Step Functions DescribeStateMachine on ${version.arn}`, error, 'states:DescribeStateMachine');
        }
      })();
      this.#described.set(version.arn, described);
    }
    return described;
  }

  /** Every version of the state machine, newest (highest number) first. */
  #listMachineVersions(): Promise<MachineVersion[]> {
    this.#machineVersions ??= (async () => {
      const versions: MachineVersion[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const page = await this.#clients.sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: this.#target.stateMachineArn, nextToken }));
          for (const item of page.stateMachineVersions ?? []) {
            const version = /:(\d+)$/.exec(item.stateMachineVersionArn ?? '')?.[1];
            if (version) versions.push({ arn: item.stateMachineVersionArn!, version, ...(item.creationDate ? { created: item.creationDate } : {}) });
          }
          nextToken = page.nextToken || undefined;
        } while (nextToken);
      } catch (error) {
        throw awsError(`Step Functions ListStateMachineVersions on ${this.#target.stateMachineArn}`, error, 'states:ListStateMachineVersions');
      }
      return versions.sort((a, b) => Number(b.version) - Number(a.version));
    })();
    return this.#machineVersions;
  }

  get #machineName(): string {
    return /:stateMachine:([^:]+)/.exec(this.#target.stateMachineArn)?.[1] ?? this.#target.stateMachineArn;
  }
}

/** The image of a Lambda version as repository@digest when known: ImageUri when it has a digest, else ResolvedImageUri. */
function imageOf(code: FunctionCodeLocation | undefined): string | undefined {
  const digestForm = /@sha256:[0-9a-f]{64}$/;
  const imageUri = code?.ImageUri;
  if (imageUri && digestForm.test(imageUri)) return imageUri;
  const resolved = code?.ResolvedImageUri;
  if (resolved && digestForm.test(resolved) && !resolved.slice(0, resolved.lastIndexOf('@')).includes('@')) return resolved;
  return imageUri || undefined;
}

function unqualified(functionArn: string): string {
  return functionArn.replace(/^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+):[^:]+$/, '$1');
}

function quoted(text: string): string {
  return `"${printable(text)}"`;
}

function awsError(call: string, error: unknown, permission: string): DeployError {
  const hint = isAccessDenied(error)
    ? `The deploy role needs ${permission} to find a release.`
    : 'AWS kept failing after every retry: re-run the job (raise input `max-attempts` if AWS throttles). Nothing was changed.';
  return new DeployError(`${call} failed: ${printable(describeError(error))}`, hint, { cause: error });
}
