/** A real moto_server for the sync tests: started on a port of our own, stopped by PID. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface Moto {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startMoto(port: number): Promise<Moto> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited: ${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok || response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not start on ${endpoint}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
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
