/**
 * The preflight's error: one line naming every problem, and what to do (where the name comes from, the region).
 * The states moto never produces (a bucket in another region, access denied) come from aws-sdk-client-mock.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { HeadBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describeProblems, runPreflight } from '../../../src/pipeline/preflight.ts';
import { DeployError } from '../../../src/ground/errors.ts';
import type { DeployTarget } from '../../../src/ground/resources.ts';
import { collectingLogger, testClients } from '../../helpers/step-context.ts';

const s3Mock = mockClient(S3Client);
const stsMock = mockClient(STSClient);
afterEach(() => {
  s3Mock.reset();
  stsMock.reset();
});

const TARGET: DeployTarget = {
  modelName: 'quetzal-paris',
  modelDir: '/work/quetzal-paris',
  repositoryName: 'quetzal-paris',
  functionName: 'quetzal-paris',
  stateMachine: 'quetzal-paris',
  bucketName: 'quetzal-paris',
};

function s3Error(status: number, name: string, headers: Record<string, string> = {}) {
  const error = new S3ServiceException({ name, $fault: 'client', message: name, $metadata: { httpStatusCode: status } });
  Object.assign(error, { $response: { statusCode: status, headers } });
  return error;
}

async function preflightError(): Promise<DeployError> {
  stsMock.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:role/deploy' });
  try {
    await runPreflight(testClients(), TARGET, new Set(['bucket'] as const), collectingLogger());
  } catch (error) {
    assert.ok(error instanceof DeployError);
    return error;
  }
  assert.fail('the preflight passed');
}

test('one missing resource: one line, naming where the name comes from and the region', () => {
  const { message, hint } = describeProblems(
    [{ resource: 'bucket', kind: 'missing', message: 'S3 bucket x does not exist.', hint: 'Create it (e.g. with terraform) or fix the name: AWS_BUCKET_NAME.' }],
    'eu-west-3',
    3,
  );
  assert.equal(message, 'Preflight failed, nothing was changed: S3 bucket x does not exist.');
  assert.match(hint, /AWS_BUCKET_NAME/);
  assert.match(hint, /Region: eu-west-3/);
  assert.doesNotMatch(message + hint, /\n/);
});

test('every resource missing: the region is named first as the likely cause', () => {
  const problem = (resource: 'ecrRepository' | 'lambdaFunction', label: string) => ({ resource, kind: 'missing' as const, message: `${label} does not exist in eu-west-3.`, hint: `fix ${label}` });
  const { message, hint } = describeProblems([problem('ecrRepository', 'ECR repository x'), problem('lambdaFunction', 'Lambda function x')], 'eu-west-3', 2);
  assert.equal(message, 'Preflight failed, nothing was changed: ECR repository x does not exist in eu-west-3; Lambda function x does not exist in eu-west-3.');
  assert.match(hint, /^None of the model’s resources exists in eu-west-3: is that the right region\? Set input `aws-region`/);
});

test('a bucket in another region (S3 answers 301 with x-amz-bucket-region): says which region to set', async () => {
  s3Mock.on(HeadBucketCommand).rejects(s3Error(301, 'PermanentRedirect', { 'x-amz-bucket-region': 'ca-central-1' }));
  const error = await preflightError();
  assert.match(error.message, /S3 bucket quetzal-paris is in ca-central-1, not in eu-west-3/);
  assert.match(error.hint ?? '', /aws-region.*ca-central-1/);
});

test('access denied on the bucket: names the permission to grant', async () => {
  s3Mock.on(HeadBucketCommand).rejects(s3Error(403, 'Forbidden'));
  const error = await preflightError();
  assert.match(error.message, /S3 bucket quetzal-paris: access denied/);
  assert.match(error.hint ?? '', /s3:ListBucket/);
});

test('AWS failing the check after every retry: the error and a re-run hint, on one line', async () => {
  s3Mock.on(HeadBucketCommand).rejects(s3Error(500, 'InternalError'));
  const error = await preflightError();
  assert.match(error.message, /^Preflight failed, nothing was changed: S3 bucket quetzal-paris: InternalError \(HTTP 500\)/);
  assert.match(error.hint ?? '', /re-run/);
  assert.doesNotMatch(error.message, /\n/);
});

test('credentials that do not work: that one cause is the error, not every check that failed with it', async () => {
  const denied = Object.assign(new Error('The security token included in the request is invalid.'), {
    name: 'InvalidClientTokenId',
    $metadata: { httpStatusCode: 403 },
  });
  stsMock.on(GetCallerIdentityCommand).rejects(denied);
  s3Mock.on(HeadBucketCommand).rejects(s3Error(403, 'Forbidden'));
  await assert.rejects(runPreflight(testClients(), TARGET, new Set(['bucket'] as const), collectingLogger()), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.match(error.message, /^AWS credentials do not work in eu-west-3: InvalidClientTokenId \(HTTP 403\)/);
    assert.doesNotMatch(error.message, /S3 bucket/);
    assert.match(error.hint ?? '', /configure-aws-credentials/);
    return true;
  });
});

test('who the caller is and every resource are asked at once: the checks do not wait for STS', async () => {
  let identityAnswered = false;
  let bucketAskedBeforeIdentity = false;
  stsMock.on(GetCallerIdentityCommand).callsFake(async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    identityAnswered = true;
    return { Account: '123456789012', Arn: 'arn:aws:iam::123456789012:role/deploy' };
  });
  s3Mock.on(HeadBucketCommand).callsFake(async () => {
    bucketAskedBeforeIdentity = !identityAnswered;
    return {};
  });
  const preflight = await runPreflight(testClients(), TARGET, new Set(['bucket'] as const), collectingLogger());
  assert.equal(preflight.accountId, '123456789012');
  assert.deepEqual(preflight.bucket, { name: 'quetzal-paris' });
  assert.ok(bucketAskedBeforeIdentity, 'HeadBucket was sent only after GetCallerIdentity answered');
});
