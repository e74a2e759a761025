/**
 * The fault proxy, with a real moto_server behind it and the real SDK v3 clients in front: what the end-to-end
 * fault tests rely on. The SDK's own retry classification (@smithy/core/retry) judges the errors it writes.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { isThrottlingError, isTransientError, StandardRetryStrategy } from '@smithy/core/retry';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateStateMachineCommand, DescribeStateMachineCommand, SFNClient, UpdateStateMachineCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient, PutImageTagMutabilityCommand } from '@aws-sdk/client-ecr';
import { ALL_FAULT_KINDS, errorAnswer, seededRandom, signedScope, startFaultProxy, type FaultProxy, type ProxiedRequest } from '../../helpers/fault-proxy.ts';
import { startMotoServer, type MotoServer } from '../../helpers/moto-server.ts';

const MOTO_PORT = 5410;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let moto: MotoServer;
let proxy: FaultProxy;

/**
 * The SDK's standard retry strategy with its own jittered exponential backoff, every delay base divided by 20
 * (throttling: 1 s → 50 ms), so that tests retrying dozens of times stay quick. Classification, attempts and the
 * retry quota are the SDK's.
 */
function quickStandardRetries(maxAttempts: number) {
  let base = 50 / 20;
  return new StandardRetryStrategy({
    maxAttempts,
    backoff: {
      setDelayBase: (delay: number) => {
        base = delay / 20;
      },
      computeNextBackoffDelay: (retries: number) => Math.floor(Math.random() * Math.min(base * 2 ** retries, 1000)),
    },
  });
}

/**
 * SDK clients with the endpoint `endpoint` and the standard retry strategy: `maxAttempts` attempts, the SDK's
 * real delays when `realDelays` (as the action runs), else quickStandardRetries.
 */
function clients(endpoint: string, maxAttempts: number, realDelays = false) {
  const config = realDelays
    ? { endpoint, region: REGION, credentials, maxAttempts, retryMode: 'standard' }
    : { endpoint, region: REGION, credentials, retryStrategy: quickStandardRetries(maxAttempts) };
  return {
    s3: new S3Client(config),
    lambda: new LambdaClient(config),
    sfn: new SFNClient(config),
    sts: new STSClient(config),
    ecr: new ECRClient(config),
  };
}
type Clients = ReturnType<typeof clients>;
const destroy = (set: Clients) => Object.values(set).forEach((client) => client.destroy());

const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);
const definition = (comment: string) =>
  JSON.stringify({ Comment: comment, StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });

let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${++counter}`;

/** Resources created straight on moto (no faults): a bucket, a Lambda function, a state machine, a repository. */
async function provision(direct: Clients) {
  const name = unique('fp');
  await direct.s3.send(new CreateBucketCommand({ Bucket: name }));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: REGION };
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  await promisify(execFile)('aws', ['--endpoint-url', moto.endpoint, 'iam', 'create-role', '--role-name', name, '--assume-role-policy-document', JSON.stringify(trust)], { env });
  const role = `arn:aws:iam::${ACCOUNT}:role/${name}`;
  await direct.lambda.send(new CreateFunctionCommand({ FunctionName: name, Role: role, Runtime: 'python3.12', Handler: 'x.handler', Code: { ZipFile: EMPTY_ZIP } }));
  const machine = await direct.sfn.send(new CreateStateMachineCommand({ name, roleArn: role, definition: definition('v0') }));
  await direct.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  return { name, stateMachineArn: machine.stateMachineArn! };
}

before(async () => {
  moto = await startMotoServer(MOTO_PORT);
  proxy = await startFaultProxy({ target: moto.endpoint });
});
after(async () => {
  await proxy?.close();
  await moto?.stop();
});
beforeEach(() => {
  proxy.setPlan(null);
  proxy.resetStats();
});

describe('pure parts', () => {
  test('the PRNG is deterministic for a seed and spreads over [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 1000 }, a);
    assert.deepEqual(first, Array.from({ length: 1000 }, b));
    assert.notDeepEqual(first.slice(0, 10), Array.from({ length: 10 }, seededRandom(43)));
    assert.ok(first.every((x) => x >= 0 && x < 1));
    const below = first.filter((x) => x < 0.3).length;
    assert.ok(below > 250 && below < 350, `${below} of 1000 below 0.3`);
  });

  test('the service comes from the SigV4 credential scope, in a header or a presigned URL', () => {
    const authorization = 'AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-3/states/aws4_request, SignedHeaders=host, Signature=abc';
    assert.deepEqual(signedScope({ authorization }, '/'), { service: 'states', region: 'eu-west-3' });
    assert.deepEqual(signedScope({}, '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20250101%2Fus-east-1%2Fs3%2Faws4_request'), {
      service: 's3',
      region: 'us-east-1',
    });
    assert.equal(signedScope({}, '/moto-api/reset'), undefined);
  });

  test('each service answers in its own protocol', () => {
    const s3 = errorAnswer('s3', 'throttle', 'R1');
    assert.equal(s3.status, 503);
    assert.match(s3.body, /<Error><Code>SlowDown<\/Code>/);
    const sts = errorAnswer('sts', 'throttle', 'R1');
    assert.match(sts.body, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>Throttling<\/Code>/);
    const lambda = errorAnswer('lambda', 'throttle', 'R1');
    assert.equal(lambda.status, 429);
    assert.equal(lambda.headers['x-amzn-errortype'], 'TooManyRequestsException');
    const sfn = errorAnswer('states', 'server-error', 'R1');
    assert.equal(sfn.headers['content-type'], 'application/x-amz-json-1.0');
    assert.deepEqual(JSON.parse(sfn.body).__type, 'InternalFailure');
    const ecr = errorAnswer('ecr', 'server-error', 'R1');
    assert.equal(ecr.headers['content-type'], 'application/x-amz-json-1.1');
    assert.equal(JSON.parse(ecr.body).__type, 'ServerException');
  });
});

describe('without faults', () => {
  test('every request reaches moto; S3 goes path-style to an IP endpoint, also through AWS_ENDPOINT_URL', async () => {
    const seen: ProxiedRequest[] = [];
    // A filter that refuses every request sees every request and lets all through.
    proxy.setPlan({ rate: 1, kinds: ['throttle'], only: (request) => (seen.push(request), false) });
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = proxy.url;
    const s3 = new S3Client({ region: REGION, credentials }); // no endpoint, no forcePathStyle: read from the environment
    try {
      const bucket = unique('plain');
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b.txt', Body: 'hello' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/b.txt' }));
      assert.equal(await got.Body!.transformToString(), 'hello');
      assert.ok(seen.length >= 3);
      for (const request of seen) {
        assert.equal(request.service, 's3');
        assert.equal(request.headers.host, proxy.url.replace('http://', ''), 'Host is the IP endpoint, not <bucket>.<host>');
        assert.ok(request.path.startsWith(`/${bucket}`), `path-style: ${request.path}`);
      }
    } finally {
      s3.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
    const stats = proxy.stats();
    assert.equal(stats.forwarded, stats.total);
    assert.deepEqual(stats.injected, { 'throttle': 0, 'server-error': 0, 'reset-before-answer': 0, 'lost-answer': 0 });
  });

  test('a 24 MiB object streams through both ways byte for byte (the upload waits for 100-continue)', async () => {
    const set = clients(proxy.url, 1);
    const seen: ProxiedRequest[] = [];
    proxy.setPlan({ rate: 1, kinds: ['throttle'], only: (request) => (seen.push(request), false) });
    try {
      const bucket = unique('big');
      await set.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const bytes = randomBytes(24 * 1024 * 1024);
      await set.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big.bin', Body: bytes }));
      assert.equal(seen.find((request) => request.method === 'PUT' && request.path.includes('big.bin'))?.headers.expect, '100-continue');
      const got = await set.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes));
    } finally {
      destroy(set);
    }
  });
});

describe('with every request faulted (rate 1.0)', () => {
  let direct: Clients;
  let faulted: Clients;
  let names: Awaited<ReturnType<typeof provision>>;
  before(async () => {
    direct = clients(moto.endpoint, 1);
    faulted = clients(proxy.url, 3);
    names = await provision(direct);
  });
  after(() => {
    destroy(direct);
    destroy(faulted);
  });

  /** One call per service through the proxy. */
  const calls = () => ({
    s3: () => faulted.s3.send(new GetObjectCommand({ Bucket: names.name, Key: 'missing-or-not' })),
    lambda: () => faulted.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: names.name })),
    states: () => faulted.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: names.stateMachineArn })),
    sts: () => faulted.sts.send(new GetCallerIdentityCommand({})),
    ecr: () => faulted.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [names.name] })),
  });

  const expected = {
    throttle: { s3: ['SlowDown', 503], lambda: ['TooManyRequestsException', 429], states: ['ThrottlingException', 400], sts: ['Throttling', 400], ecr: ['ThrottlingException', 400] },
    'server-error': { s3: ['InternalError', 500], lambda: ['ServiceException', 500], states: ['InternalFailure', 500], sts: ['InternalFailure', 500], ecr: ['ServerException', 500] },
  } as const;

  for (const kind of ['throttle', 'server-error'] as const) {
    test(`${kind}: each service's error code, classified ${kind === 'throttle' ? 'throttling' : 'transient'} and retried to maxAttempts`, async () => {
      proxy.setPlan({ rate: 1, kinds: [kind], seed: 1 });
      for (const [service, call] of Object.entries(calls())) {
        const [code, status] = expected[kind][service as keyof (typeof expected)['throttle']];
        const error = await call().then(
          () => assert.fail(`${service}: the call succeeded through a proxy that faults every request`),
          (caught: unknown) => caught as Error & { $metadata: { httpStatusCode?: number; attempts?: number } },
        );
        assert.equal(error.name, code, `${service}: ${error.name}: ${error.message}`);
        assert.equal(error.$metadata.httpStatusCode, status, service);
        assert.equal(error.$metadata.attempts, 3, `${service}: the SDK retried`);
        if (kind === 'throttle') assert.ok(isThrottlingError(error as never), `${service}: ${code} is throttling for the SDK`);
        else assert.ok(isTransientError(error as never), `${service}: ${code} is transient for the SDK`);
      }
      const stats = proxy.stats();
      assert.equal(stats.injected[kind], 15);
      assert.equal(stats.forwarded, 0);
      for (const service of ['s3', 'lambda', 'states', 'sts', 'ecr']) assert.equal(stats.byService[service].injected[kind], 3, service);
    });
  }

  test('reset-before-answer: the connection drops, the SDK retries, nothing reaches moto', async () => {
    proxy.setPlan({ rate: 1, kinds: ['reset-before-answer'], seed: 1 });
    const error = await faulted.s3.send(new PutObjectCommand({ Bucket: names.name, Key: 'reset.txt', Body: 'x' })).catch((caught: unknown) => caught as Error & { code?: string; $metadata: { attempts?: number } });
    assert.ok(error instanceof Error);
    assert.ok(['ECONNRESET', 'EPIPE'].includes(String(error.code)), `${error.name} ${error.code}: ${error.message}`);
    assert.ok(isTransientError(error as never));
    assert.equal(error.$metadata.attempts, 3);
    assert.equal(proxy.stats().forwarded, 0);
    await assert.rejects(direct.s3.send(new GetObjectCommand({ Bucket: names.name, Key: 'reset.txt' })), { name: 'NoSuchKey' });
  });

  test('lost-answer: the call takes effect in moto although the SDK never hears back', async () => {
    proxy.setPlan({ rate: 1, kinds: ['lost-answer'], seed: 1 });
    await assert.rejects(faulted.sfn.send(new UpdateStateMachineCommand({ stateMachineArn: names.stateMachineArn, definition: definition('lost') })), (error: Error & { code?: string; $metadata: { attempts?: number } }) => {
      assert.ok(isTransientError(error as never), `${error.name} ${error.code}`);
      assert.equal(error.$metadata.attempts, 3);
      return true;
    });
    assert.equal(proxy.stats().forwarded, 3);
    const machine = await direct.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: names.stateMachineArn }));
    assert.equal(JSON.parse(machine.definition!).Comment, 'lost');
  });

  for (const kind of ['throttle', 'reset-before-answer'] as const) {
    test(`${kind} on an upload waiting for 100-continue: answered before the body is sent, retried, nothing written`, async () => {
      proxy.setPlan({ rate: 1, kinds: [kind], seed: 1 });
      const started = Date.now();
      const error = await faulted.s3
        .send(new PutObjectCommand({ Bucket: names.name, Key: `continue-${kind}.bin`, Body: randomBytes(6 * 1024 * 1024) }))
        .catch((caught: unknown) => caught as Error & { $metadata: { attempts?: number } });
      assert.ok(error instanceof Error);
      if (kind === 'throttle') assert.equal(error.name, 'SlowDown');
      assert.equal(error.$metadata.attempts, 3);
      assert.ok(Date.now() - started < 5000, 'no 6 s wait for a 100-continue that never comes');
      assert.equal(proxy.stats().forwarded, 0);
      await assert.rejects(direct.s3.send(new GetObjectCommand({ Bucket: names.name, Key: `continue-${kind}.bin` })), { name: 'NoSuchKey' });
    });
  }

  test('the SDK does not retry a PutObject whose body is a stream: callers must send Buffers (or lib-storage parts)', async () => {
    proxy.setPlan({ rate: 1, kinds: ['reset-before-answer'], seed: 1 });
    const body = Readable.from([Buffer.from('streamed')]);
    await assert.rejects(
      faulted.s3.send(new PutObjectCommand({ Bucket: names.name, Key: 'stream.txt', Body: body, ContentLength: 8 })),
      (error: Error & { code?: string }) => {
        assert.ok(isTransientError(error as never), `${error.name} ${error.code}: a transient error...`);
        assert.equal(proxy.stats().total, 1, '...yet one attempt only');
        return true;
      },
    );
  });
});

describe('with 30% faults of every kind', () => {
  let direct: Clients;
  let faulted: Clients;
  let names: Awaited<ReturnType<typeof provision>>;
  before(async () => {
    direct = clients(moto.endpoint, 1);
    faulted = clients(proxy.url, 10, true);
    names = await provision(direct);
  });
  after(() => {
    destroy(direct);
    destroy(faulted);
  });

  test('S3, Lambda, Step Functions, STS and ECR calls all complete and the end state is right', async () => {
    const seed = 20250101;
    proxy.setPlan({ rate: 0.3, kinds: ALL_FAULT_KINDS, seed });
    const objects = new Map<string, Buffer>();
    for (let index = 0; index < 30; index += 1) objects.set(`base/inputs/file-${index}.bin`, randomBytes(index * 1000));
    const large = randomBytes(12 * 1024 * 1024 + 17);

    await Promise.all([
      (async () => {
        for (const [key, body] of objects) await faulted.s3.send(new PutObjectCommand({ Bucket: names.name, Key: key, Body: body }));
        // Multipart: CreateMultipartUpload, UploadPart x3, CompleteMultipartUpload, each retried on its own.
        await new Upload({ client: faulted.s3, params: { Bucket: names.name, Key: 'base/large.bin', Body: large }, queueSize: 1 }).done();
        for (const [key, body] of objects) {
          const got = await faulted.s3.send(new GetObjectCommand({ Bucket: names.name, Key: key }));
          assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), key);
        }
      })(),
      (async () => {
        for (let version = 1; version <= 10; version += 1) {
          await faulted.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: names.name, Environment: { Variables: { VERSION: String(version) } } }));
          const read = await faulted.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: names.name }));
          assert.equal(read.Environment?.Variables?.VERSION, String(version));
        }
      })(),
      (async () => {
        for (let version = 1; version <= 10; version += 1) {
          await faulted.sfn.send(new UpdateStateMachineCommand({ stateMachineArn: names.stateMachineArn, definition: definition(`v${version}`) }));
          const read = await faulted.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: names.stateMachineArn }));
          assert.equal(JSON.parse(read.definition!).Comment, `v${version}`);
        }
      })(),
      (async () => {
        for (let index = 0; index < 15; index += 1) {
          const identity = await faulted.sts.send(new GetCallerIdentityCommand({}));
          assert.equal(identity.Account, ACCOUNT);
        }
      })(),
      (async () => {
        for (let index = 0; index < 10; index += 1) {
          const mutability = index % 2 === 0 ? 'IMMUTABLE' : 'MUTABLE';
          await faulted.ecr.send(new PutImageTagMutabilityCommand({ repositoryName: names.name, imageTagMutability: mutability }));
          const read = await faulted.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [names.name] }));
          assert.equal(read.repositories?.[0].imageTagMutability, mutability);
        }
      })(),
    ]);

    // The end state, read straight from moto.
    const listed = await direct.s3.send(new ListObjectsV2Command({ Bucket: names.name }));
    assert.deepEqual(listed.Contents?.map((item) => item.Key).sort(), [...objects.keys(), 'base/large.bin'].sort());
    const largeRead = await direct.s3.send(new GetObjectCommand({ Bucket: names.name, Key: 'base/large.bin' }));
    assert.ok(Buffer.from(await largeRead.Body!.transformToByteArray()).equals(large), 'multipart object intact');
    const fn = await direct.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: names.name }));
    assert.equal(fn.Environment?.Variables?.VERSION, '10');
    const machine = await direct.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: names.stateMachineArn }));
    assert.equal(JSON.parse(machine.definition!).Comment, 'v10');
    const repository = await direct.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [names.name] }));
    assert.equal(repository.repositories?.[0].imageTagMutability, 'MUTABLE');

    const stats = proxy.stats();
    assert.equal(stats.seed, seed);
    for (const kind of ALL_FAULT_KINDS) assert.ok(stats.injected[kind] > 0, `some ${kind} injected: ${JSON.stringify(stats.injected)}`);
    for (const service of ['s3', 'lambda', 'states', 'sts', 'ecr']) {
      const injected = Object.values(stats.byService[service].injected).reduce((a, b) => a + b, 0);
      assert.ok(injected > 0, `${service} got faults: ${JSON.stringify(stats.byService[service])}`);
    }
    const injected = Object.values(stats.injected).reduce((a, b) => a + b, 0);
    assert.equal(stats.faults.length, injected);
    const share = injected / stats.total;
    assert.ok(share > 0.15 && share < 0.45, `about 30% of ${stats.total} requests faulted: ${injected}`);
    // Every request that got no answer-less fault or error answer was forwarded.
    assert.equal(stats.forwarded, stats.total - stats.injected.throttle - stats.injected['server-error'] - stats.injected['reset-before-answer']);
  });
});

describe('replay and filters', () => {
  let direct: Clients;
  let faulted: Clients;
  let names: Awaited<ReturnType<typeof provision>>;
  before(async () => {
    direct = clients(moto.endpoint, 1);
    faulted = clients(proxy.url, 10);
    names = await provision(direct);
  });
  after(() => {
    destroy(direct);
    destroy(faulted);
  });

  const run = async () => {
    for (let index = 0; index < 12; index += 1) {
      await faulted.s3.send(new PutObjectCommand({ Bucket: names.name, Key: `replay/${index}`, Body: `body ${index}` }));
      await faulted.sts.send(new GetCallerIdentityCommand({}));
    }
  };

  test('the same seed and the same calls inject the same faults', async () => {
    proxy.setPlan({ rate: 0.4, kinds: ALL_FAULT_KINDS, seed: 99 });
    await run();
    const first = proxy.stats();
    proxy.resetStats();
    proxy.setPlan({ rate: 0.4, kinds: ALL_FAULT_KINDS, seed: 99 });
    await run();
    const second = proxy.stats();
    assert.ok(first.faults.length > 0);
    const shape = (faults: typeof first.faults) => faults.map(({ seq: _seq, ...rest }) => rest);
    assert.deepEqual(shape(second.faults), shape(first.faults));
    proxy.resetStats();
    proxy.setPlan({ rate: 0.4, kinds: ALL_FAULT_KINDS, seed: 100 });
    await run();
    assert.notDeepEqual(shape(proxy.stats().faults), shape(first.faults), 'another seed, other faults');
  });

  test('`only` limits faults to the requests it accepts', async () => {
    proxy.setPlan({ rate: 0.5, kinds: ['throttle', 'server-error'], seed: 5, only: (request) => request.service === 'sts' });
    await run();
    const stats = proxy.stats();
    assert.ok(stats.byService.sts.injected.throttle + stats.byService.sts.injected['server-error'] > 0);
    assert.deepEqual(stats.byService.s3.injected, { 'throttle': 0, 'server-error': 0, 'reset-before-answer': 0, 'lost-answer': 0 });
  });

  test('unsigned requests (moto-api) are never faulted', async () => {
    proxy.setPlan({ rate: 1, kinds: ['reset-before-answer'], seed: 5 });
    const response = await fetch(`${proxy.url}/moto-api/`);
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    assert.equal(proxy.stats().total, 1);
    assert.equal(proxy.stats().forwarded, 1);
  });
});
