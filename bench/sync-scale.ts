/**
 * Scenario sync at scale: the bundled action against `aws s3 sync` and `rclone copy --checksum` (rclone decides by
 * MD5, as the action does: the strongest content-based peer), on a moto_server of its own, for two trees:
 * - 400 files, ~140 MB: 5 files of 20 MB, the rest 1 KB to 200 KB;
 * - 10,000 files, ~1.6 GB: 9,990 files of 1 to 20 KB and ten of 150 MB.
 * Cases, each a whole process: the first upload (a fresh clone, an empty bucket), and the re-sync of a fresh clone
 * of the deployed commit (every mtime new, content unchanged). For the action, its peak RSS (GNU time) and where
 * the re-sync spends its time. Afterwards the bucket is checked against the local bytes: every key by presence and
 * size, a sample by content.
 * Goals (issue 16): peak RSS <= 300 MB on both trees (and the same within noise at twice the large one:
 * --trees 20000); a re-sync <= 0.2 x rclone on the 10,000-file tree; a first upload no slower than aws s3 sync.
 * The bench also times the listing alone (ListObjectsV2 pages of the scenario, from this process): the floor of any
 * tool that decides from a listing, as the action and rclone both do.
 *
 * Run: npx node bench/sync-scale.ts [--trees 400,10000] [--reps 1] [--dist dist] [--port 5256] [--show 'compared in'] [--no-peers]
 *   --reps      first uploads of each tree, each from empty buckets, the tools in turn (the median is reported)
 *   --show      prints the lines of the action's re-sync log matching this regular expression
 *   --no-peers  the action alone (no aws s3 sync, no rclone): to see where the action's time goes
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { benchSetup, median, phases, REGION, runBundledAction, startMoto, timedProcess } from './sync-helpers.ts';

const { values: args } = parseArgs({
  options: {
    trees: { type: 'string', default: '400,10000' },
    dist: { type: 'string', default: 'dist' },
    port: { type: 'string', default: '5256' },
    reps: { type: 'string', default: '1' },
    show: { type: 'string' },
    'no-peers': { type: 'boolean', default: false },
  },
});
const PORT = Number(args.port);
const { endpoint, env: baseEnv, git, model: MODEL, example: EXAMPLE } = benchSetup(PORT);
const MB = 1000 * 1000;
const RESYNC_REPS = 3;

/** Fast reproducible bytes (AES-CTR of zeros): a tree of gigabytes is written at disk speed. */
function bytes(seed: number, size: number): Buffer {
  const key = createHash('sha256').update(`tree-${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

interface Tree {
  files: Array<{ rel: string; size: number }>;
  bytes: number;
}

/** The example model whose scenarios are one scenario, base, of `count` files (see the top of this file). */
async function makeModel(workspace: string, count: number): Promise<Tree> {
  const model = join(workspace, MODEL);
  await cp(EXAMPLE, model, { recursive: true, filter: (source) => !source.startsWith(join(EXAMPLE, 'scenarios')) });
  const tree: Tree = { files: [], bytes: 0 };
  const add = async (rel: string, size: number, seed: number) => {
    const path = join(model, 'scenarios', 'base', rel);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, bytes(seed, size));
    tree.files.push({ rel, size });
    tree.bytes += size;
  };
  const large = count >= 10_000;
  const big = large ? Math.round(count / 1000) : 5;
  for (let i = 0; i < big; i += 1) await add(`inputs/road/big_${i}.bin`, large ? 150 * MB : 20 * MB, i);
  for (let i = 0; i < count - big; i += 1) {
    const size = large ? 1000 + ((i * 7919) % 20) * 1000 : 1000 + ((i * 7919) % 200) * 1000;
    await add(`inputs/${['pt', 'road', 'od', 'zones'][i % 4]}/${String(Math.floor(i / 500))}/file_${i}.${['geojson', 'json', 'csv'][i % 3]}`, size, 1000 + i);
  }
  return tree;
}

/** The action's first upload or re-sync of a clone: seconds, peak RSS, outputs and phases. */
async function actionSync(workspace: string, bucket: string, sha: string, before: string) {
  const rssFile = join(workspace, '..', `rss-${bucket}-${Date.now()}`);
  const result = await runBundledAction({
    bundle: resolve(args.dist),
    env: baseEnv,
    endpoint,
    workspace,
    sha,
    event: { before, after: sha },
    command: ['/usr/bin/time', '-f', '%M %U %S', '-o', rssFile],
    inputs: { mode: 'deploy', steps: 'scenarios', scenarios: 'all', 'model-folder': MODEL, bucket, 'lambda-function': bucket, 'ecr-repository': bucket },
  });
  const [maxRssKB, user, system] = (await readFile(rssFile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
  return { ...result, peakMB: maxRssKB / 1024, cpuSeconds: user + system };
}

const rcloneEnv: NodeJS.ProcessEnv = {
  ...baseEnv,
  RCLONE_CONFIG_MOTO_TYPE: 's3',
  RCLONE_CONFIG_MOTO_PROVIDER: 'Other',
  RCLONE_CONFIG_MOTO_ENDPOINT: endpoint,
  RCLONE_CONFIG_MOTO_ACCESS_KEY_ID: 'testing',
  RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY: 'testing',
  RCLONE_CONFIG_MOTO_REGION: REGION,
  RCLONE_CONFIG_MOTO_FORCE_PATH_STYLE: 'true',
};
const scenariosOf = (workspace: string) => join(workspace, MODEL, 'scenarios');
/** A peer's run, timed, with the CPU seconds it used (GNU time: user + system, every thread). */
async function peerRun(command: string, commandArgs: string[], env: NodeJS.ProcessEnv, workspace: string) {
  const cpuFile = join(workspace, '..', `cpu-${command}-${Date.now()}`);
  const result = await timedProcess('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, command, ...commandArgs], env, workspace);
  const [user, system] = (await readFile(cpuFile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
  await rm(cpuFile);
  return { ...result, cpuSeconds: user + system };
}
const rclone = (workspace: string, bucket: string) => peerRun('rclone', ['copy', '--checksum', scenariosOf(workspace), `moto:${bucket}/`], rcloneEnv, workspace);
const awsSync = (workspace: string, bucket: string, extra: string[] = []) =>
  peerRun('aws', ['s3', 'sync', scenariosOf(workspace), `s3://${bucket}/`, '--endpoint-url', endpoint, '--no-progress', '--only-show-errors', ...extra], baseEnv, workspace);

async function md5Of(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

/** Every local file is in the bucket with its size; a sample (every 97th, and the first large one) by content. */
async function verify(s3: S3Client, bucket: string, workspace: string, tree: Tree): Promise<string> {
  const remote = new Map<string, number>();
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: 'base/' })) {
    for (const object of page.Contents ?? []) remote.set(object.Key!, object.Size ?? -1);
  }
  const missing = tree.files.filter((file) => remote.get(`base/${file.rel}`) !== file.size);
  if (missing.length > 0) throw new Error(`${missing.length} file(s) missing or of another size in s3://${bucket}/, e.g. ${missing[0].rel}`);
  const sample = tree.files.filter((file, index) => index % 97 === 0 || index === 0);
  for (const file of sample) {
    const local = await md5Of(createReadStream(join(scenariosOf(workspace), 'base', file.rel)));
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `base/${file.rel}` }));
    if ((await md5Of(Body as AsyncIterable<Uint8Array>)) !== local) throw new Error(`s3://${bucket}/base/${file.rel} differs from the local file`);
  }
  return `all ${tree.files.length} keys present with their sizes, ${sample.length} compared by content`;
}

const root = await mkdtemp(join(tmpdir(), 'bench-sync-scale-'));
const moto = await startMoto(PORT);
/** Runs a case and adds how many CPU seconds moto spent answering it (what bounds a case that keeps moto busy). */
async function withMotoCpu<T extends { seconds: number }>(run: () => Promise<T>): Promise<T & { motoCpuSeconds: number }> {
  const before = await moto.cpuSeconds();
  const result = await run();
  return { ...result, motoCpuSeconds: (await moto.cpuSeconds()) - before };
}
const cpuOf = (run: { seconds: number; motoCpuSeconds: number; cpuSeconds?: number }) =>
  `moto CPU ${run.motoCpuSeconds.toFixed(1)} s${run.cpuSeconds === undefined ? '' : `, its own CPU ${run.cpuSeconds.toFixed(1)} s`}`;
const s3 = new S3Client({ endpoint, forcePathStyle: true, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const rows: string[] = [];
/** The run of median time among repeated runs of a case (its other figures come along with it). */
const middleRun = <T extends { seconds: number }>(runs: T[]): T => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
/** The scenario's keys listed and nothing else, as the action's re-sync lists them (its floor on this endpoint). */
async function listingAlone(bucket: string) {
  const start = performance.now();
  let keys = 0;
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: 'base/', EncodingType: 'url' })) keys += page.KeyCount ?? 0;
  return { seconds: (performance.now() - start) / 1000, keys };
}
try {
  for (const count of args.trees.split(',').map(Number)) {
    const repo = join(root, `repo-${count}`);
    const tree = await makeModel(repo, count);
    await git(repo, 'init', '-q', '-b', 'main');
    await git(repo, 'add', '.');
    await git(repo, 'commit', '-q', '-m', 'tree');
    const sha = await git(repo, 'rev-parse', 'HEAD');
    const label = `${tree.files.length} files, ${(tree.bytes / 1e9).toFixed(2)} GB`;
    console.log(`\n## ${label}`);
    const first = join(root, `clone-${count}-a`);
    await git(root, 'clone', '-q', repo, first);
    const peers = !args['no-peers'];
    const skipped = { seconds: Number.NaN, stdout: '', motoCpuSeconds: Number.NaN, cpuSeconds: Number.NaN };
    const firsts: Array<{ action: Awaited<ReturnType<typeof actionSync>>; cli: { seconds: number }; rclone: { seconds: number } }> = [];
    for (let repetition = 0; repetition < Number(args.reps); repetition += 1) {
      // Every repetition starts from empty buckets, the three tools in turn (the machine's noise falls on each).
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      for (const bucket of ['action', 'cli', 'rclone']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const action = await withMotoCpu(() => actionSync(first, 'action', sha, '0'.repeat(40)));
      console.log(`first upload, action: ${action.seconds.toFixed(2)} s (${cpuOf(action)}), peak RSS ${action.peakMB.toFixed(0)} MB, uploaded ${action.outputs['files-uploaded']} (${action.outputs['bytes-uploaded']} bytes)`);
      console.log(`  phases: ${Object.entries(phases(action)).map(([phase, seconds]) => `${phase} ${seconds.toFixed(2)}`).join('; ')}`);
      const cli = peers ? await withMotoCpu(() => awsSync(first, 'cli')) : skipped;
      console.log(`first upload, aws s3 sync: ${cli.seconds.toFixed(2)} s${peers ? ` (${cpuOf(cli)})` : ''}`);
      const rcloneRun = peers ? await withMotoCpu(() => rclone(first, 'rclone')) : skipped;
      console.log(`first upload, rclone copy --checksum: ${rcloneRun.seconds.toFixed(2)} s${peers ? ` (${cpuOf(rcloneRun)})` : ''}`);
      firsts.push({ action, cli, rclone: rcloneRun });
    }
    const actionFirst = { seconds: median(firsts.map((run) => run.action.seconds)), peakMB: Math.max(...firsts.map((run) => run.action.peakMB)) };
    const cliFirst = { seconds: median(firsts.map((run) => run.cli.seconds)) };
    const rcloneFirst = { seconds: median(firsts.map((run) => run.rclone.seconds)) };
    console.log(`bucket: ${await verify(s3, 'action', first, tree)}`);
    await rm(first, { recursive: true, force: true });

    const fresh = join(root, `clone-${count}-b`);
    await git(root, 'clone', '-q', repo, fresh);
    const resyncs = [];
    for (let repetition = 0; repetition < RESYNC_REPS; repetition += 1) resyncs.push(await withMotoCpu(() => actionSync(fresh, 'action', sha, sha)));
    const resync = middleRun(resyncs);
    const rcloneResyncs = [];
    for (let repetition = 0; repetition < RESYNC_REPS && peers; repetition += 1) rcloneResyncs.push(await withMotoCpu(() => rclone(fresh, 'rclone')));
    const rcloneResync = peers ? middleRun(rcloneResyncs) : skipped;
    const listings = [];
    for (let repetition = 0; repetition < RESYNC_REPS; repetition += 1) listings.push(await withMotoCpu(() => listingAlone('action')));
    const listing = middleRun(listings);
    const wouldResend = peers ? (await awsSync(fresh, 'cli', ['--dryrun'])).stdout.split('\n').filter((line) => line.startsWith('(dryrun) upload')).length : Number.NaN;
    console.log(`fresh-clone re-sync, action: ${resyncs.map((r) => r.seconds.toFixed(2)).join(', ')} s (median ${resync.seconds.toFixed(2)}: ${cpuOf(resync)}), peak RSS ${resync.peakMB.toFixed(0)} MB, uploaded ${resync.outputs['files-uploaded']}, unchanged ${resync.outputs['files-unchanged']}`);
    if (args.show) for (const line of resync.stdout.split('\n')) if (new RegExp(args.show).test(line)) console.log(`    ${line.slice(0, 400)}`);
    console.log(`  phases: ${Object.entries(phases(resync)).map(([phase, seconds]) => `${phase} ${seconds.toFixed(2)}`).join('; ')}`);
    console.log(`fresh-clone re-sync, rclone copy --checksum: ${rcloneResyncs.map((r) => r.seconds.toFixed(2)).join(', ')} s (median ${rcloneResync.seconds.toFixed(2)}: ${cpuOf(rcloneResync)}); aws s3 sync would re-send ${wouldResend} of ${tree.files.length} files`);
    console.log(`the listing alone (${listing.keys} keys): median ${listing.seconds.toFixed(2)} s (${cpuOf(listing)}) = ${(listing.seconds / rcloneResync.seconds).toFixed(2)} x rclone's re-sync, ${(listing.seconds / resync.seconds).toFixed(2)} of the action's`);
    await rm(fresh, { recursive: true, force: true });
    await rm(repo, { recursive: true, force: true });
    rows.push(
      `| ${label} | ${actionFirst.seconds.toFixed(1)} | ${cliFirst.seconds.toFixed(1)} | ${rcloneFirst.seconds.toFixed(1)} | ${(actionFirst.seconds / cliFirst.seconds).toFixed(2)} | ` +
        `${resync.seconds.toFixed(2)} | ${rcloneResync.seconds.toFixed(2)} | ${(resync.seconds / rcloneResync.seconds).toFixed(2)} | ${listing.seconds.toFixed(2)} | ${(listing.seconds / rcloneResync.seconds).toFixed(2)} | ${wouldResend} | ${actionFirst.peakMB.toFixed(0)} / ${resync.peakMB.toFixed(0)} |`,
    );
  }
  console.log('\n| tree | first upload: action s | aws s3 sync s | rclone s | action / aws | re-sync: action s | rclone s | action / rclone | listing alone s | listing / rclone | aws s3 sync re-sends | action peak RSS MB (first / re-sync) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(`(first upload: median of ${args.reps}, peak RSS the highest; re-sync: median of ${RESYNC_REPS}; goals: first upload <= 1.0 x aws s3 sync, re-sync <= 0.2 x rclone, peak RSS <= 300 MB)`);
} finally {
  s3.destroy();
  await moto.stop();
  await rm(root, { recursive: true, force: true });
}
