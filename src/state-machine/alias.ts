/**
 * A state machine alias (the release name callers start, e.g. `live`) moved to a version, created when missing,
 * and put back by undo. An alias routes to one or two versions; the routing it had is what undo restores.
 */
import {
  CreateStateMachineAliasCommand,
  DeleteStateMachineAliasCommand,
  DescribeStateMachineAliasCommand,
  UpdateStateMachineAliasCommand,
  type RoutingConfigurationListItem,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { describeError, errorName, isNotFound } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import type { Logger } from '../ground/logger.ts';

export interface AliasMove {
  aliasArn: string;
  /** The routing the alias had; undefined when this run created it. */
  previousRouting?: RoutingConfigurationListItem[];
  created: boolean;
}

/** Points alias `name` of `machineArn` at `versionArn` alone (100 %), creating it when there is none. */
export async function moveAlias(sfn: SFNClient, machineArn: string, name: string, versionArn: string, logger: Logger): Promise<AliasMove> {
  const aliasArn = `${machineArn}:${name}`;
  const routingConfiguration = [{ stateMachineVersionArn: versionArn, weight: 100 }];
  let previousRouting: RoutingConfigurationListItem[] | undefined;
  try {
    previousRouting = (await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }))).routingConfiguration ?? [];
  } catch (error) {
    // Step Functions names it ResourceNotFound (HTTP 400).
    if (errorName(error) !== 'ResourceNotFound' && !isNotFound(error)) throw aliasError('DescribeStateMachineAlias', aliasArn, error);
  }
  if (previousRouting?.length === 1 && previousRouting[0].stateMachineVersionArn === versionArn && previousRouting[0].weight === 100) {
    logger.info(`State machine alias ${name} already points to ${versionArn}.`);
    return { aliasArn, previousRouting, created: false };
  }
  try {
    if (previousRouting === undefined) {
      const created = await sfn.send(new CreateStateMachineAliasCommand({ name, routingConfiguration }));
      logger.info(`Created state machine alias ${name} → ${versionArn}.`);
      return { aliasArn: created.stateMachineAliasArn ?? aliasArn, created: true };
    }
    await sfn.send(new UpdateStateMachineAliasCommand({ stateMachineAliasArn: aliasArn, routingConfiguration }));
  } catch (error) {
    throw aliasError(previousRouting === undefined ? 'CreateStateMachineAlias' : 'UpdateStateMachineAlias', aliasArn, error);
  }
  logger.info(`Moved state machine alias ${name} from ${describeRouting(previousRouting)} to ${versionArn}.`);
  return { aliasArn, previousRouting, created: false };
}

/** The undo of moveAlias: the routing it had back, or the alias deleted when the move created it. */
export async function restoreAlias(sfn: SFNClient, move: AliasMove): Promise<string> {
  try {
    if (move.created) {
      await sfn.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: move.aliasArn }));
      return `alias ${move.aliasArn} (created by this run) deleted`;
    }
    await sfn.send(new UpdateStateMachineAliasCommand({ stateMachineAliasArn: move.aliasArn, routingConfiguration: move.previousRouting }));
    return `alias ${move.aliasArn} back to ${describeRouting(move.previousRouting)}`;
  } catch (error) {
    throw aliasError(move.created ? 'DeleteStateMachineAlias' : 'UpdateStateMachineAlias', move.aliasArn, error);
  }
}

/** `…:3` or `…:3 (90 %), …:4 (10 %)`. */
export function describeRouting(routing: readonly RoutingConfigurationListItem[] | undefined): string {
  if (!routing || routing.length === 0) return '(nothing)';
  if (routing.length === 1) return routing[0].stateMachineVersionArn ?? '?';
  return routing.map((route) => `${route.stateMachineVersionArn} (${route.weight} %)`).join(', ');
}

function aliasError(operation: string, aliasArn: string, error: unknown): DeployError {
  return new DeployError(`${operation} on ${aliasArn} failed: ${describeError(error)}`, undefined, { cause: error });
}
