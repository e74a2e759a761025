/**
 * What only the container steps use (image, Lambda, state machine): their SDK clients and the steps themselves,
 * a third of the deploy code. Loaded by `loadContainerSteps()` when a run selects one of those steps, so a run
 * that only syncs scenarios never parses them.
 */
export { ECRClient } from '@aws-sdk/client-ecr';
export { LambdaClient } from '@aws-sdk/client-lambda';
export { SFNClient } from '@aws-sdk/client-sfn';
export { CliDockerEngine } from '../image/docker.ts';
export { ImageStep } from '../image/step.ts';
export { LambdaStep } from '../lambda/step.ts';
export { StateMachineStep } from '../state-machine/step.ts';
export { describeFunction, describeRepository, describeStateMachine } from './preflight-containers.ts';
