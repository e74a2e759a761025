/**
 * The AWS clients of the deploy: one retry strategy (standard, `max-attempts` per call, 8 by default) and a timeout
 * on every call, proven against a small local HTTP server that answers like Step Functions (awsJson1_0).
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ECRClient } from '@aws-sdk/client-ecr';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { AwsClients, type AwsClientOptions } from '../../../src/ground/aws.ts';
import { DEFAULT_MAX_ATTEMPTS, parseDeploySettings } from '../../../src/ground/settings/deploy.ts';

type Answer = (request: IncomingMessage, response: ServerResponse) => void;
let server: Server;
let endpoint: string;
/** What the server does with its next requests, in order; then it answers success. */
let answers: Answer[] = [];
let requests = 0;
let clients: AwsClients | undefined;
const saved = { ...process.env };

const success: Answer = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(JSON.stringify({ stateMachines: [] }));
};
const internalError: Answer = (_request, response) => {
  response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'InternalFailure' });
  response.end(JSON.stringify({ __type: 'InternalFailure', message: 'An internal error occurred.' }));
};
/** Never answers (the connection stays open). */
const hang: Answer = () => {};

before(async () => {
  server = createServer((request, response) => {
    requests += 1;
    request.resume();
    request.on('end', () => (answers.shift() ?? success)(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function clientsFor(options: AwsClientOptions): AwsClients {
  Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  clients = new AwsClients({ region: 'eu-west-3', ...options });
  return clients;
}

/** The Step Functions client of a pool. */
const sfnOf = (options: AwsClientOptions) => clientsFor(options).client(SFNClient);

afterEach(() => {
  clients?.destroy();
  clients = undefined;
  answers = [];
  requests = 0;
  for (const key of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

test('the default is 8 attempts per call, for the clients and for input max-attempts', async () => {
  assert.equal(DEFAULT_MAX_ATTEMPTS, 8);
  assert.equal(parseDeploySettings(() => '').maxAttempts, 8);
  const pool = clientsFor({});
  const made = [pool.client(SFNClient), pool.client(S3Client), pool.client(LambdaClient), pool.client(ECRClient), pool.client(STSClient)];
  for (const client of made) assert.equal(await client.config.maxAttempts(), 8);
});

test('a call failing 4 times in a row (HTTP 500) succeeds on its 5th attempt', async () => {
  answers = [internalError, internalError, internalError, internalError];
  const sfn = sfnOf({ maxAttempts: 5 });
  const answer = await sfn.send(new ListStateMachinesCommand({}));
  assert.deepEqual(answer.stateMachines, []);
  assert.equal(requests, 5);
  assert.equal(answer.$metadata.attempts, 5);
});

test('max-attempts bounds the attempts: the error of the last one is thrown', async () => {
  answers = [internalError, internalError, internalError, internalError];
  const sfn = sfnOf({ maxAttempts: 3 });
  await assert.rejects(sfn.send(new ListStateMachinesCommand({})), (error: Error & { $metadata?: { attempts?: number } }) => {
    assert.equal(error.name, 'InternalFailure');
    assert.equal(error.$metadata?.attempts, 3);
    return true;
  });
  assert.equal(requests, 3);
});

test('an advisory call (the online definition check) is tried twice, not max-attempts times: it is skipped, not waited for', async () => {
  answers = [internalError, internalError, internalError, internalError];
  const sfnAdvisory = clientsFor({}).advisoryClient(SFNClient);
  assert.equal(await sfnAdvisory.config.maxAttempts(), 2);
  await assert.rejects(sfnAdvisory.send(new ListStateMachinesCommand({})), (error: Error & { $metadata?: { attempts?: number } }) => {
    assert.equal(error.$metadata?.attempts, 2);
    return true;
  });
  assert.equal(requests, 2);
});

test('a call whose answer never comes times out, and the next attempt goes through', async () => {
  answers = [hang];
  const sfn = sfnOf({ socketTimeoutMs: 300 });
  const started = performance.now();
  const answer = await sfn.send(new ListStateMachinesCommand({}));
  assert.deepEqual(answer.stateMachines, []);
  assert.equal(requests, 2);
  assert.ok(performance.now() - started < 5_000, 'the hung attempt was cut by the request timeout');
});

test('with one attempt, a call whose answer never comes fails with a timeout instead of hanging', async () => {
  answers = [hang];
  const sfn = sfnOf({ socketTimeoutMs: 300, maxAttempts: 1 });
  await assert.rejects(sfn.send(new ListStateMachinesCommand({})), (error: Error) => {
    assert.match(`${error.name} ${error.message}`, /timeout|timed out/i);
    return true;
  });
});

test('one client per service: every use of a service gets the same client, and the advisory one is another', () => {
  const pool = clientsFor({});
  assert.equal(pool.client(SFNClient), pool.client(SFNClient));
  assert.equal(pool.advisoryClient(SFNClient), pool.advisoryClient(SFNClient));
  assert.notEqual(pool.client(SFNClient), pool.advisoryClient(SFNClient));
  assert.notEqual(pool.client(S3Client) as unknown, pool.client(LambdaClient) as unknown);
});

test('destroy() destroys every client made, and the pool makes new ones after it', () => {
  const pool = clientsFor({});
  const made = [pool.client(S3Client), pool.client(LambdaClient), pool.advisoryClient(SFNClient)];
  const destroyed: unknown[] = [];
  for (const client of made) {
    const destroy = client.destroy.bind(client);
    client.destroy = () => {
      destroyed.push(client);
      destroy();
    };
  }
  pool.destroy();
  assert.deepEqual(destroyed, made);
  assert.notEqual(pool.client(S3Client), made[0]);
});
