/** What the Lambda step's unit tests share: the mocked Lambda client, the images and alias they use, the waiter's answers. */
import { afterEach, beforeEach } from 'node:test';
import { mockClient } from 'aws-sdk-client-mock';
import { LambdaClient, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { NEW_DIGEST, OLD_DIGEST, REPOSITORY_URI } from '../../helpers/step-context.ts';

/** Every Lambda client of the test file, mocked; reset after each test. */
export const lambdaMock = mockClient(LambdaClient);
afterEach(() => lambdaMock.reset());
/** No published version unless a test says otherwise. */
beforeEach(() => lambdaMock.on(ListVersionsByFunctionCommand).resolves({ Versions: [] }));

export const NEW_IMAGE = `${REPOSITORY_URI}@${NEW_DIGEST}`;
/** The image the test preflight's function runs. */
export const SAME_IMAGE = `${REPOSITORY_URI}@${OLD_DIGEST}`;
export const ALIAS_ARN = 'arn:aws:lambda:eu-west-3:123456789012:function:quetzal-paris:live';

/** GetFunction's answer for the update waiter. */
export const status = (LastUpdateStatus: 'InProgress' | 'Successful' | 'Failed', extra: object = {}) => ({
  Configuration: { FunctionName: 'quetzal-paris', LastUpdateStatus, ...extra },
});
