/**
 * Helpers for the sync tests: a real moto_server (started on a port of our own, stopped by PID), buckets, files,
 * and the step's context pointed at that moto_server.
 */
import { after, before } from 'node:test';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsClients } from '../../../src/ground/aws.ts';
import type { Logger } from '../../../src/ground/logger.ts';
import type { StepContext } from '../../../src/ground/step.ts';
import type { ScenarioSyncStep, SyncOutcome, SyncPlan } from '../../../src/scenarios/index.ts';
import { stepContext, testSettings, testTarget } from '../../helpers/step-context.ts';

import { startMotoServer, type MotoServer } from '../../helpers/moto-server.ts';

export type { MotoServer as Moto };

/**
 * A moto_server of the test file's own on `port`, started before its tests (`started` receives it and an S3 client
 * to it) and stopped after them, by PID. Returns the list of folders the tests make, removed at the end.
 */
export function useMoto(port: number, started: (server: { moto: MotoServer; s3: S3Client }) => void): string[] {
  const folders: string[] = [];
  let moto: MotoServer | undefined;
  let s3: S3Client | undefined;
  before(async () => {
    moto = await startMotoServer(port);
    s3 = s3Client(moto.endpoint);
    started({ moto, s3 });
  });
  after(async () => {
    s3?.destroy();
    await moto?.stop();
    for (const folder of folders) await removeDir(folder);
  });
  return folders;
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

/** The run's clients, whose S3 client is `s3` (the test's client to moto, or one with a fault injected). */
export function clientsWith(s3: S3Client): AwsClients {
  return new (class extends AwsClients {
    override client<C>(Client: new (configuration: never) => C): C {
      if ((Client as unknown) !== S3Client) throw new Error(`The scenarios step asked for a ${Client.name}: only S3 is expected.`);
      return s3 as unknown as C;
    }
  })();
}

/** Commit the tests deploy: recorded in the metadata of every upload. */
export const TEST_COMMIT = '0123456789abcdef0123456789abcdef01234567';

export interface SyncRun {
  bucket: string;
  modelFolder: string;
  /** Action inputs (scenarios, delete-removed, on-conflict, ...); every other one unset. */
  inputs?: Record<string, string>;
  mode?: StepContext['mode'];
  /** The files the push changed; null (the default) when git cannot tell. */
  changedFiles?: string[] | null;
  logger?: Logger;
  signal?: AbortSignal;
}

/** The context the pipeline would give the step for one run on `bucket`, with `s3` as its S3 client. */
export function syncContext(s3: S3Client, run: SyncRun): StepContext {
  return stepContext({
    mode: run.mode ?? 'deploy',
    settings: testSettings(run.inputs ?? {}, run.modelFolder),
    target: testTarget({ bucketName: run.bucket, modelDir: run.modelFolder }),
    git: { sha: TEST_COMMIT },
    aws: clientsWith(s3),
    changedFiles: run.changedFiles ? Promise.resolve(run.changedFiles) : null,
    ...(run.logger ? { logger: run.logger } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
  });
}

/** A step paired with the context of one run, as the pipeline pairs them. */
export function bind(step: ScenarioSyncStep, context: StepContext) {
  return {
    context,
    plan: () => step.plan(context),
    apply: (plan: SyncPlan) => step.apply(plan, context),
    report: (plan: SyncPlan, outcome?: SyncOutcome) => step.report(plan, outcome),
  };
}

let bucketCounter = 0;
export async function newBucket(s3: S3Client, label: string): Promise<string> {
  bucketCounter += 1;
  const bucket = `sync-${label}-${process.pid}-${bucketCounter}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Writes files (relative path → content) under a new temporary model folder; returns its path. */
export async function makeModel(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'sync-model-'));
  await writeFiles(root, files);
  return root;
}

export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Every key → content of the bucket (small test buckets only). */
export async function bucketContents(s3: S3Client, bucket: string, prefix = ''): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of page.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.Key! }));
      contents.set(item.Key!, (await object.Body!.transformToString()) ?? '');
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return contents;
}

/** Every key → ETag (to see what a sync rewrote). */
export async function bucketEtags(s3: S3Client, bucket: string, prefix = ''): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of page.Contents ?? []) etags.set(item.Key!, `${item.ETag}@${item.LastModified?.getTime()}`);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return etags;
}

/** An object written as the old scripts or the web app write: no metadata, no content type. */
export async function putForeign(s3: S3Client, bucket: string, key: string, body: string | Buffer): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export async function headMetadata(s3: S3Client, bucket: string, key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}
