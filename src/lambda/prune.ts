/**
 * Pruning old versions of the model's Lambda function (input `keep-lambda-versions`). Every deploy that pins
 * publishes a version, and an image-packaged version keeps its image pinned in ECR: old ones pile up. The N newest
 * versions (by number; `$LATEST` never is one) are kept; of the older ones, only those nothing refers to are
 * deleted. A version is referred to by
 *   1. a Lambda alias of the function (its FunctionVersion, and the keys of RoutingConfig.AdditionalVersionWeights);
 *   2. a published version of the model's state machine whose definition names it by qualified ARN (a state
 *      machine alias routes to such versions, so aliases are covered: their versions are all listed);
 *   3. the state machine's current definition;
 *   4. the definition a RUNNING execution started with (DescribeStateMachineForExecution), which may be older than
 *      every one above: a long model run keeps the Lambda version it started with.
 * When a kind of reference cannot be read (an endpoint without ListStateMachineVersions or ListExecutions, as
 * some emulators), the facts are incomplete and nothing is pruned. Just before deleting, the aliases are read
 * again (one may have moved since the plan), and Lambda itself refuses to delete a version an alias names.
 */
import { DeleteFunctionCommand, paginateListAliases, paginateListVersionsByFunction, type AliasConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ListStateMachineVersionsCommand,
  paginateListExecutions,
  type ExecutionListItem,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { describeError, errorName, httpStatus, isAccessDenied } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import type { Logger } from '../ground/logger.ts';
import { clip } from '../ground/printable.ts';
import { lambdaVersionsIn } from '../ground/release.ts';

export interface PruneFacts {
  /** The published versions of the function (never `$LATEST`), oldest first. */
  versions: string[];
  /** Version → why it must stay (the first reference found): `alias live`, `state machine version 3`, ... */
  referenced: Map<string, string>;
  /** Whether every kind of reference could be read. When not, nothing may be pruned; `gap` says what is missing. */
  complete: boolean;
  gap?: string;
}

/**
 * At most this many running executions started on the unqualified state machine are described (one
 * DescribeStateMachineForExecution each, a call Step Functions throttles): with more, the facts are incomplete and
 * this deploy prunes nothing rather than spend minutes reading.
 */
export const MAX_EXECUTIONS_DESCRIBED = 500;

/** Describe calls in flight at once. */
const CONCURRENCY = 4;

const isVersionNumber = (version: string | undefined): version is string => version !== undefined && /^\d+$/.test(version);
const byNumber = (a: string, b: string) => Number(a) - Number(b);

/** Reads the versions of `functionName` and everything that refers to them (see the top of this file). */
export async function readPruneFacts(
  clients: { lambda: LambdaClient; sfn: SFNClient },
  functionName: string,
  stateMachineArn: string,
  /** The published versions, when the caller has just listed them (else listed here). */
  listed?: readonly string[],
): Promise<PruneFacts> {
  const { lambda, sfn } = clients;
  const referenced = new Map<string, string>();
  const refer = (versions: Iterable<string>, why: string) => {
    for (const version of versions) if (isVersionNumber(version) && !referenced.has(version)) referenced.set(version, why);
  };
  const named = (definition: string | undefined, why: string) => refer(lambdaVersionsIn(definition ?? '', functionName), why);
  const gaps: string[] = [];

  const versions = listed ? [...new Set(listed.filter(isVersionNumber))].sort(byNumber) : await listVersions(lambda, functionName);
  for (const alias of await listAliases(lambda, functionName)) refer(aliasVersions(alias), `alias ${alias.Name}`);

  // 2. The state machine's versions: ListStateMachineVersions, then each one's definition.
  const versionDefinitions = new Map<string, string>();
  const machineVersions = await optional(gaps, 'ListStateMachineVersions', stateMachineArn, () => listStateMachineVersions(sfn, stateMachineArn));
  if (machineVersions) {
    const definitions = await mapLimited(machineVersions, (arn) => describeDefinition(sfn, arn));
    machineVersions.forEach((arn, index) => {
      const definition = definitions[index];
      if (definition === undefined) return; // deleted since the listing
      versionDefinitions.set(arn, definition);
      named(definition, `state machine version ${arn.slice(arn.lastIndexOf(':') + 1)}`);
    });
  }

  // 4. Running executions: one started on a version (or an alias: it names the version too) runs that version's
  // definition, known already; the others run the definition the state machine had when they started.
  const running = await optional(gaps, 'ListExecutions', stateMachineArn, () => listRunning(sfn, stateMachineArn));
  if (running) {
    const known = (execution: ExecutionListItem) => versionDefinitions.get(execution.stateMachineVersionArn ?? '');
    const unknown = running.filter((execution) => known(execution) === undefined);
    if (unknown.length > MAX_EXECUTIONS_DESCRIBED) {
      gaps.push(`${unknown.length} running executions would each need DescribeStateMachineForExecution (at most ${MAX_EXECUTIONS_DESCRIBED} are read)`);
    } else {
      const definitions = await mapLimited(unknown, (execution) => describeExecutionDefinition(sfn, execution.executionArn!));
      const described = new Map(unknown.map((execution, index) => [execution.executionArn, definitions[index]]));
      for (const execution of running) {
        named(known(execution) ?? described.get(execution.executionArn), `running execution ${execution.name ?? execution.executionArn}`);
      }
    }
  }

  // 3. Read last: an execution started after the listing above runs this definition.
  named(await describeDefinition(sfn, stateMachineArn, true), "the state machine's definition");

  return { versions, referenced, complete: gaps.length === 0, ...(gaps.length ? { gap: gaps.join('; ') } : {}) };
}

/**
 * The versions to delete, oldest first: those older than the `keep` newest that nothing refers to and that are not
 * in `alsoKeep`. None when `keep` is 0 (never delete) or the facts are incomplete.
 */
export function versionsToPrune(facts: PruneFacts, keep: number, alsoKeep: ReadonlySet<string>): string[] {
  if (!(keep > 0) || !facts.complete) return [];
  const versions = [...new Set(facts.versions.filter(isVersionNumber))].sort(byNumber);
  return versions.slice(0, Math.max(0, versions.length - keep)).filter((version) => !facts.referenced.has(version) && !alsoKeep.has(version));
}

/**
 * Deletes `versions` of `functionName` (DeleteFunction with the version as Qualifier), except those a Lambda alias
 * names now (the aliases are read again first). A version Lambda refuses to delete because an alias names it
 * (ResourceConflictException) or that is gone already (ResourceNotFoundException) is kept, with why; any other
 * failure is a DeployError naming the version (the versions deleted before it stay deleted).
 */
export async function deleteVersions(
  lambda: LambdaClient,
  functionName: string,
  versions: string[],
  logger: Logger,
): Promise<{ deleted: string[]; kept: Array<{ version: string; why: string }> }> {
  const deleted: string[] = [];
  const kept: Array<{ version: string; why: string }> = [];
  if (versions.length === 0) return { deleted, kept };
  // DeleteFunction without a Qualifier deletes the whole function: only version numbers may ever get here.
  const notVersion = versions.find((version) => !isVersionNumber(version));
  if (notVersion !== undefined) throw new Error(`deleteVersions: ${JSON.stringify(notVersion)} is not a version number of ${functionName}.`);

  const aliased = new Map<string, string>();
  for (const alias of await listAliases(lambda, functionName)) {
    for (const version of aliasVersions(alias)) if (!aliased.has(version)) aliased.set(version, `alias ${alias.Name}`);
  }
  for (const version of versions) {
    const alias = aliased.get(version);
    if (alias !== undefined) {
      kept.push({ version, why: `${alias} (moved there since the plan)` });
      logger.info(`Kept version ${version} of ${functionName}: ${alias} points to it now.`);
      continue;
    }
    try {
      await lambda.send(new DeleteFunctionCommand({ FunctionName: functionName, Qualifier: version }));
      deleted.push(version);
      logger.debug(`Deleted version ${version} of ${functionName}.`);
    } catch (error) {
      const name = errorName(error);
      if (name === 'ResourceConflictException' || name === 'ResourceNotFoundException') {
        const why = name === 'ResourceNotFoundException' ? 'already deleted' : 'Lambda refused: an alias refers to it';
        kept.push({ version, why: `${why} (${cut(describeError(error))})` });
        logger.info(`Did not delete version ${version} of ${functionName}: ${why} (${cut(describeError(error))}).`);
        continue;
      }
      throw new DeployError(
        `Lambda DeleteFunction of version ${version} of ${functionName} failed: ${describeError(error)}${deleted.length ? ` (deleted before it: ${deleted.join(', ')})` : ''}.`,
        hintFor(error, 'lambda:DeleteFunction'),
        { cause: error },
      );
    }
  }
  if (deleted.length) logger.info(`Deleted ${deleted.length} old version(s) of ${functionName}: ${clip(deleted.join(', '), 500)}.`);
  return { deleted, kept };
}

/** The versions an alias sends invocations to. */
function aliasVersions(alias: AliasConfiguration): string[] {
  return [alias.FunctionVersion, ...Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {})].filter(isVersionNumber);
}

/** Text from AWS in a log line: one bounded line. */
const cut = (text: string) => clip(text, 300).replace(/\s+/g, ' ');

function hintFor(error: unknown, permission: string): string {
  return isAccessDenied(error)
    ? `Allow ${permission} to the deploy role, or set input \`keep-lambda-versions\` to 0 to deploy without pruning old Lambda versions.`
    : 'Re-run the job; to deploy without pruning old Lambda versions meanwhile, set input `keep-lambda-versions` to 0.';
}

function readError(service: 'lambda' | 'states', call: string, target: string, error: unknown): DeployError {
  const what = service === 'lambda' ? 'Lambda' : 'Step Functions';
  return new DeployError(
    `Pruning old Lambda versions: ${what} ${call} on ${target} failed: ${describeError(error)}`,
    hintFor(error, `${service}:${call}`),
    { cause: error },
  );
}

/**
 * An endpoint that does not have the operation: UnknownOperationException, or an answer of 5xx after the SDK's
 * retries (moto 5.2.1 answers ListStateMachineVersions with an HTML page of status 500). Either way nothing is
 * known, which prunes nothing.
 */
function unsupported(error: unknown): boolean {
  return errorName(error) === 'UnknownOperationException' || (httpStatus(error) ?? 0) >= 500;
}

/** `read()`, or undefined (and a gap noted) when the endpoint cannot answer it; other failures are DeployErrors. */
async function optional<T>(gaps: string[], call: string, target: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (!unsupported(error)) throw readError('states', call, target, error);
    gaps.push(`Step Functions ${call} did not answer (${cut(describeError(error))})`);
    return undefined;
  }
}

async function listVersions(lambda: LambdaClient, functionName: string): Promise<string[]> {
  const versions: string[] = [];
  try {
    for await (const page of paginateListVersionsByFunction({ client: lambda }, { FunctionName: functionName })) {
      for (const { Version } of page.Versions ?? []) if (isVersionNumber(Version)) versions.push(Version);
    }
  } catch (error) {
    throw readError('lambda', 'ListVersionsByFunction', functionName, error);
  }
  return [...new Set(versions)].sort(byNumber);
}

async function listAliases(lambda: LambdaClient, functionName: string): Promise<AliasConfiguration[]> {
  const aliases: AliasConfiguration[] = [];
  try {
    for await (const page of paginateListAliases({ client: lambda }, { FunctionName: functionName })) aliases.push(...(page.Aliases ?? []));
  } catch (error) {
    throw readError('lambda', 'ListAliases', functionName, error);
  }
  return aliases;
}

/** The ARNs of the state machine's published versions (the SDK has no paginator for this call). */
async function listStateMachineVersions(sfn: SFNClient, stateMachineArn: string): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn, ...(nextToken ? { nextToken } : {}) }));
    for (const { stateMachineVersionArn } of page.stateMachineVersions ?? []) if (stateMachineVersionArn) arns.push(stateMachineVersionArn);
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

async function listRunning(sfn: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const executions: ExecutionListItem[] = [];
  for await (const page of paginateListExecutions({ client: sfn }, { stateMachineArn, statusFilter: 'RUNNING' })) {
    for (const execution of page.executions ?? []) if (execution.executionArn) executions.push(execution);
  }
  return executions;
}

/** The definition of a state machine or of one of its versions; undefined when a version is gone (`required`: a DeployError then). */
async function describeDefinition(sfn: SFNClient, arn: string, required = false): Promise<string | undefined> {
  try {
    return (await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).definition ?? '';
  } catch (error) {
    if (!required && errorName(error) === 'StateMachineDoesNotExist') return undefined;
    throw readError('states', 'DescribeStateMachine', arn, error);
  }
}

/** The definition an execution started with; undefined when the execution is gone. */
async function describeExecutionDefinition(sfn: SFNClient, executionArn: string): Promise<string | undefined> {
  try {
    return (await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }))).definition ?? '';
  } catch (error) {
    if (errorName(error) === 'ExecutionDoesNotExist') return undefined;
    throw readError('states', 'DescribeStateMachineForExecution', executionArn, error);
  }
}

/** `task` over `items`, CONCURRENCY at a time, results in the order of `items`; stops starting new ones after a failure. */
async function mapLimited<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}
