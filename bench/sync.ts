/**
 * Scenario sync speed against `aws s3 sync` (AWS CLI, preinstalled) on the same moto_server and the same tree.
 * Run: npx node bench/sync.ts [repetitions=3]
 *
 * Tree: a git repository holding one scenario of ~400 files / ~140 MB (5 files of 20 MB, the rest 1 KB to 200 KB).
 * Cases, each timed as a whole process (action: bench/sync-run.ts; CLI: aws s3 sync), alternating which runs first:
 *   first upload (empty bucket, from a clone), re-sync from a fresh `git clone` (every mtime new, content
 *   unchanged), one same-size edit committed in that clone.
 * Prints the median wall time of each and the ratio action / CLI (goals: <= 1.0, <= 0.2, <= 0.5).
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

const PORT = 5250;
const repetitions = Number(process.argv[2] ?? 3);
const endpoint = `http://127.0.0.1:${PORT}`;
const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1' };
delete env.AWS_ENDPOINT_URL;
const gitEnv: NodeJS.ProcessEnv = { ...env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv, maxBuffer: 1 << 24 });
const run = promisify(execFile);

function pseudoRandom(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(String(seed)).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

async function makeTree(root: string): Promise<{ files: string[]; bytes: number }> {
  const scenario = join(root, 'scenarios', 'base');
  const files: string[] = [];
  let bytes = 0;
  const add = async (rel: string, size: number, seed: number) => {
    const path = join(scenario, rel);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, pseudoRandom(seed, size));
    files.push(join('scenarios', 'base', rel));
    bytes += size;
  };
  for (let i = 0; i < 5; i += 1) await add(`inputs/road/big_${i}.geojson`, 20 * 1000 * 1000, i);
  for (let i = 0; i < 395; i += 1) {
    const size = 1000 + ((i * 7919) % 200) * 1000; // 1 KB .. 200 KB, ~100 KB on average
    await add(`inputs/${['pt', 'road', 'od', 'zones'][i % 4]}/file_${i}.${['geojson', 'json', 'csv'][i % 3]}`, size, 1000 + i);
  }
  return { files, bytes };
}

async function startMoto(): Promise<() => Promise<void>> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(PORT)], { stdio: 'ignore' });
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).status < 500) break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid!, 'SIGTERM');
    await exited;
  };
}

async function timed(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return (performance.now() - start) / 1000;
}

const actionRun = (bucket: string, model: string) => run(process.execPath, ['bench/sync-run.ts', endpoint, bucket, model, 'base'], { env, maxBuffer: 1 << 24 });
const cliRun = (bucket: string, model: string) =>
  run('aws', ['s3', 'sync', join(model, 'scenarios', 'base'), `s3://${bucket}/base`, '--endpoint-url', endpoint, '--no-progress', '--only-show-errors'], { env, maxBuffer: 1 << 24 });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const root = await mkdtemp(join(tmpdir(), 'bench-sync-'));
const stopMoto = await startMoto();
const s3 = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const cases = ['first upload', 'fresh checkout re-sync', 'one same-size edit'] as const;
const times: Record<string, { action: number[]; cli: number[] }> = Object.fromEntries(cases.map((c) => [c, { action: [], cli: [] }]));
try {
  const repo = join(root, 'repo');
  const tree = await makeTree(repo);
  await git(repo, 'init', '-q');
  await git(repo, 'add', '.');
  await git(repo, 'commit', '-q', '-m', 'tree');
  console.log(`tree: ${tree.files.length} files, ${(tree.bytes / 1e6).toFixed(0)} MB; ${repetitions} repetition(s)`);
  const outputs: string[] = [];
  for (let rep = 0; rep < repetitions; rep += 1) {
    const actionBucket = `bench-action-${rep}`;
    const cliBucket = `bench-cli-${rep}`;
    await s3.send(new CreateBucketCommand({ Bucket: actionBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: cliBucket }));
    const actionFirst = rep % 2 === 0;
    let model = '';
    const pair = async (name: (typeof cases)[number]) => {
      const doAction = async () => {
        let out = '';
        times[name].action.push(await timed(async () => (out = (await actionRun(actionBucket, model)).stdout.trim())));
        outputs.push(`${name}: ${out}`);
      };
      const doCli = async () => times[name].cli.push(await timed(() => cliRun(cliBucket, model)));
      if (actionFirst) {
        await doAction();
        await doCli();
      } else {
        await doCli();
        await doAction();
      }
    };
    model = join(root, `clone-${rep}-a`);
    await git(root, 'clone', '-q', repo, model);
    await pair('first upload');
    // A fresh checkout: every file is written again (new mtimes), content unchanged.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await rm(model, { recursive: true, force: true });
    model = join(root, `clone-${rep}-b`);
    await git(root, 'clone', '-q', repo, model);
    await pair('fresh checkout re-sync');
    // One same-size edit of a small file, committed.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const edited = join(model, tree.files[10 + rep]);
    const content = await readFile(edited);
    content[0] = content[0] ^ 0xff;
    await writeFile(edited, content);
    await git(model, 'commit', '-q', '-am', 'edit');
    await pair('one same-size edit');
    await rm(model, { recursive: true, force: true });
  }
  console.log('\naction outputs per run:');
  for (const line of outputs) console.log(`  ${line}`);
  console.log('\n| case | action s (median) | aws s3 sync s (median) | ratio | goal |');
  console.log('| --- | --- | --- | --- | --- |');
  const goals = { 'first upload': '<= 1.0 (aim 0.7)', 'fresh checkout re-sync': '<= 0.2', 'one same-size edit': '<= 0.5' };
  for (const name of cases) {
    const a = median(times[name].action);
    const c = median(times[name].cli);
    console.log(`| ${name} | ${a.toFixed(2)} [${times[name].action.map((t) => t.toFixed(2)).join(', ')}] | ${c.toFixed(2)} [${times[name].cli.map((t) => t.toFixed(2)).join(', ')}] | ${(a / c).toFixed(2)} | ${goals[name]} |`);
  }
} finally {
  s3.destroy();
  await stopMoto();
  await rm(root, { recursive: true, force: true });
}
