/** acquireDeployLock on what moto never answers: bad options, endpoints without conditional writes, denied access. */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { silentLogger } from '../../../src/ground/logger.ts';
import { DeployError } from '../../../src/ground/errors.ts';
import { acquireDeployLock, type DeployLockOptions } from '../../../src/lock/index.ts';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
afterEach(() => s3Mock.reset());

const options = (overrides: Partial<DeployLockOptions> = {}): DeployLockOptions => ({ bucket: 'b', owner: { runId: 'run-a' }, ttlSeconds: 60, waitSeconds: 0, ...overrides });

describe('acquireDeployLock refuses', () => {
  test('a TTL of ours outside 1 s to 24 h (others would not honour it), before writing anything', async () => {
    await assert.rejects(acquireDeployLock(s3, options({ ttlSeconds: 0.5 }), silentLogger), /TTL must be from 1 s to 24 h, got 0\.5 s/);
    await assert.rejects(acquireDeployLock(s3, options({ ttlSeconds: 1e9 }), silentLogger), /TTL must be from 1 s to 24 h/);
    await assert.rejects(acquireDeployLock(s3, options({ waitSeconds: -1 }), silentLogger), /wait must be 0 or more, got -1 s/);
    assert.equal(s3Mock.calls().length, 0);
  });

  test('an endpoint without conditional writes (501 NotImplemented): says what the lock needs', async () => {
    s3Mock.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'NotImplemented', $fault: 'server', $metadata: { httpStatusCode: 501 }, message: 'If-None-Match' }));
    await assert.rejects(acquireDeployLock(s3, options(), silentLogger), (error: Error) => {
      assert.ok(error instanceof DeployError);
      assert.equal(error.message, 'The S3 endpoint for bucket b does not support conditional writes (NotImplemented), which the deploy lock needs.');
      assert.match(error.hint!, /If-None-Match \/ If-Match/);
      return true;
    });
  });

  test('when access is denied: names the permissions the deploy role needs on the lock object', async () => {
    s3Mock.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'denied' }));
    await assert.rejects(
      acquireDeployLock(s3, options(), silentLogger),
      /^DeployError: Access denied while create s3:\/\/b\/_common\/\.deploy-lock\.json: allow s3:GetObject, s3:PutObject and s3:DeleteObject on it for the deploy role\.$/,
    );
  });
});
