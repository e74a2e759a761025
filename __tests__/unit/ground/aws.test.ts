/**
 * The AWS clients of the deploy: one retry strategy (standard, `max-attempts` per call, 8 by default) and a timeout
 * on every call, proven against a small local HTTP server that answers like Step Functions (awsJson1_0).
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { createAwsClients, destroyAwsClients, loadContainerSteps, type AwsClients } from '../../../src/ground/aws.ts';
import { DEFAULT_MAX_ATTEMPTS, parseDeployOptions } from '../../../src/ground/settings/deploy.ts';

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
  await loadContainerSteps();
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

function clientsFor(options: Parameters<typeof createAwsClients>[0]): AwsClients {
  Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  clients = createAwsClients({ region: 'eu-west-3', ...options });
  return clients;
}

afterEach(() => {
  if (clients) destroyAwsClients(clients);
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
  assert.equal(parseDeployOptions(() => '').maxAttempts, 8);
  const { sfn, s3, lambda, ecr, sts } = clientsFor({});
  for (const client of [sfn, s3, lambda, ecr, sts]) assert.equal(await client.config.maxAttempts(), 8);
});

test('a call failing 4 times in a row (HTTP 500) succeeds on its 5th attempt', async () => {
  answers = [internalError, internalError, internalError, internalError];
  const { sfn } = clientsFor({ maxAttempts: 5 });
  const answer = await sfn.send(new ListStateMachinesCommand({}));
  assert.deepEqual(answer.stateMachines, []);
  assert.equal(requests, 5);
  assert.equal(answer.$metadata.attempts, 5);
});

test('max-attempts bounds the attempts: the error of the last one is thrown', async () => {
  answers = [internalError, internalError, internalError, internalError];
  const { sfn } = clientsFor({ maxAttempts: 3 });
  await assert.rejects(sfn.send(new ListStateMachinesCommand({})), (error: Error & { $metadata?: { attempts?: number } }) => {
    assert.equal(error.name, 'InternalFailure');
    assert.equal(error.$metadata?.attempts, 3);
    return true;
  });
  assert.equal(requests, 3);
});

test('an advisory call (the online definition check) is tried twice, not max-attempts times: it is skipped, not waited for', async () => {
  answers = [internalError, internalError, internalError, internalError];
  const { sfnAdvisory } = clientsFor({});
  assert.equal(await sfnAdvisory.config.maxAttempts(), 2);
  await assert.rejects(sfnAdvisory.send(new ListStateMachinesCommand({})), (error: Error & { $metadata?: { attempts?: number } }) => {
    assert.equal(error.$metadata?.attempts, 2);
    return true;
  });
  assert.equal(requests, 2);
});

test('a call whose answer never comes times out, and the next attempt goes through', async () => {
  answers = [hang];
  const { sfn } = clientsFor({ socketTimeoutMs: 300 });
  const started = performance.now();
  const answer = await sfn.send(new ListStateMachinesCommand({}));
  assert.deepEqual(answer.stateMachines, []);
  assert.equal(requests, 2);
  assert.ok(performance.now() - started < 5_000, 'the hung attempt was cut by the request timeout');
});

test('with one attempt, a call whose answer never comes fails with a timeout instead of hanging', async () => {
  answers = [hang];
  const { sfn } = clientsFor({ socketTimeoutMs: 300, maxAttempts: 1 });
  await assert.rejects(sfn.send(new ListStateMachinesCommand({})), (error: Error) => {
    assert.match(`${error.name} ${error.message}`, /timeout|timed out/i);
    return true;
  });
});

test('each client is made on first use, once: every use of a service gets the same client', () => {
  const set = clientsFor({});
  for (const name of ['sts', 'ecr', 'lambda', 'sfn', 'sfnAdvisory', 's3'] as const) {
    assert.equal(Object.getOwnPropertyDescriptor(set, name)?.value, undefined, `${name} is not made before it is used`);
    assert.equal(set[name], set[name], `${name}: one client`);
  }
});
