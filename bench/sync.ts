/**
 * Scenario sync speed: the bundled action, run as a GitHub runner runs it, against `aws s3 sync` (the AWS CLI,
 * preinstalled) on the same moto_server and the same tree.
 *
 * Run: npx node bench/sync.ts [--reps 3] [--edits 1] [--dist dist] [--cpu-prof <folder>] [--runner action|module]
 *   --edits     same-size edits per repetition, each its own commit and push (more samples of the case whose time is
 *               shortest, so noisiest)
 *   --dist      the bundle to measure (default dist/, the committed one; a private build: /tmp/x after
 *               `node scripts/bundle.ts --outdir /tmp/x`, add --no-minify for readable CPU profiles)
 *   --compare   a second bundle, run in the same alternation on its own bucket (A/B of two builds under the same
 *               load: the machine may be shared, and only runs side by side compare)
 *   --cpu-prof  also writes a V8 CPU profile of every action run into <folder> (node --cpu-prof)
 *   --show      prints the lines of the action's log matching this regular expression, e.g. 'compared in' (the
 *               debug line giving where each prefix's plan spent its time)
 *   --runner    `action` (default): `node <dist>/index.js` with INPUT_* / GITHUB_* variables, the whole action
 *               (validation, preflight, deploy lock, sync, outputs, summary); `module`: bench/sync-run.ts, the sync
 *               module alone run from source (what the first version of this bench measured).
 *
 * Tree: a git repository holding the example model (quetzal-example: .env, Dockerfile, .dockerignore,
 * step-functions.json, notebooks, modelConfig.json, steps.json) whose scenarios are replaced by one scenario,
 * base, of 400 files / ~140 MB (5 files of 20 MB, the rest 1 KB to 200 KB). The action is given
 * mode=deploy, steps=scenarios, and the bucket, function and repository names; only the bucket must exist
 * (the preflight of steps=scenarios checks the caller and the bucket; the deploy lock lives in the bucket).
 *
 * Cases, each timed as a whole process, alternating which of the two runs first:
 * - first upload: a fresh clone, empty bucket; action scenarios=all (a first push, before = 000…, compares all
 *   the same way);
 * - fresh checkout re-sync: a new `git clone` (every mtime new, content unchanged); action scenarios=all: every
 *   file is compared (a push that touches no scenario would select nothing, which measures nothing);
 * - one same-size edit of a small file, committed: the action as on that push, scenarios=changed with the
 *   event's before/after (the scenario holding the file is selected, its 400 files compared); the CLI compares
 *   size and mtime of every file, as always.
 * Prints the median wall time of each and the ratio action / CLI (goals: <= 1.0, <= 0.2, <= 0.5), and the
 * median time the action spent in each phase (from the time its ::group:: lines reached the bench).
 */
import { cp, mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { benchSetup, median, phases, pseudoRandom, REGION, runBundledAction, startMoto, timedProcess, type Timed } from './sync-helpers.ts';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    edits: { type: 'string', default: '1' },
    dist: { type: 'string', default: 'dist' },
    compare: { type: 'string' },
    'cpu-prof': { type: 'string' },
    runner: { type: 'string', default: 'action' },
    port: { type: 'string', default: '5250' },
    show: { type: 'string' },
  },
  allowPositionals: true,
});
const repetitions = Number(args.reps);
const edits = Math.max(1, Number(args.edits));
const dist = resolve(args.dist);
const compare = args.compare ? resolve(args.compare) : undefined;
const runner = args.runner === 'module' ? 'module' : 'action';
const PORT = Number(args.port);
const { endpoint, env: baseEnv, git, model: MODEL, example: EXAMPLE } = benchSetup(PORT);

/** The example model with one big scenario, `base`; returns the scenario's files relative to the workspace. */
async function makeModel(workspace: string): Promise<{ files: string[]; bytes: number }> {
  const model = join(workspace, MODEL);
  await cp(EXAMPLE, model, { recursive: true, filter: (source) => !source.startsWith(join(EXAMPLE, 'scenarios')) });
  const scenario = join(model, 'scenarios', 'base');
  const files: string[] = [];
  let bytes = 0;
  const add = async (rel: string, size: number, seed: number) => {
    const path = join(scenario, rel);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, pseudoRandom(seed, size));
    files.push(join(MODEL, 'scenarios', 'base', rel));
    bytes += size;
  };
  for (let i = 0; i < 5; i += 1) await add(`inputs/road/big_${i}.geojson`, 20 * 1000 * 1000, i);
  for (let i = 0; i < 395; i += 1) {
    const size = 1000 + ((i * 7919) % 200) * 1000; // 1 KB .. 200 KB, ~100 KB on average
    await add(`inputs/${['pt', 'road', 'od', 'zones'][i % 4]}/file_${i}.${['geojson', 'json', 'csv'][i % 3]}`, size, 1000 + i);
  }
  return { files, bytes };
}

interface ActionCase {
  /** Folder of the bundle (its index.js is run). */
  bundle: string;
  workspace: string;
  bucket: string;
  scenarios: string;
  sha: string;
  event: Record<string, unknown>;
  profileName: string;
}

async function actionRun(c: ActionCase): Promise<Timed & { outputs: Record<string, string> }> {
  const model = join(c.workspace, MODEL);
  if (runner === 'module') {
    const result = await timedProcess(process.execPath, [resolve('bench/sync-run.ts'), endpoint, c.bucket, model, c.scenarios], baseEnv, c.workspace);
    return { ...result, outputs: JSON.parse(result.stdout.trim()) };
  }
  const nodeArgs = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`, `--cpu-prof-name=${c.profileName}.cpuprofile`] : [];
  return runBundledAction({
    bundle: c.bundle,
    env: baseEnv,
    endpoint,
    workspace: c.workspace,
    sha: c.sha,
    event: c.event,
    nodeArgs,
    inputs: { mode: 'deploy', steps: 'scenarios', scenarios: c.scenarios, 'model-folder': MODEL, bucket: c.bucket, 'lambda-function': c.bucket, 'ecr-repository': c.bucket },
  });
}

const cliRun = (bucket: string, workspace: string) =>
  timedProcess(
    'aws',
    ['s3', 'sync', join(workspace, MODEL, 'scenarios'), `s3://${bucket}/`, '--endpoint-url', endpoint, '--no-progress', '--only-show-errors'],
    baseEnv,
    workspace,
  );

const root = await mkdtemp(join(tmpdir(), 'bench-sync-'));
// Copies of the bundles, so that a rebuild of dist/ during the run cannot change what is measured.
const variants: Array<{ label: string; source: string; bundle: string }> = [{ label: 'action', source: dist, bundle: join(root, 'dist-action') }];
if (compare) variants.push({ label: 'compare', source: compare, bundle: join(root, 'dist-compare') });
for (const variant of variants) await cp(variant.source, variant.bundle, { recursive: true });
const moto = await startMoto(PORT);
const s3 = new S3Client({ endpoint, forcePathStyle: true, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const cases = ['first upload', 'fresh checkout re-sync', 'one same-size edit'] as const;
type CaseName = (typeof cases)[number];
const labels = [...variants.map((variant) => variant.label), 'cli'];
const times: Record<string, Record<string, number[]>> = Object.fromEntries(cases.map((c) => [c, Object.fromEntries(labels.map((l) => [l, []]))]));
const phaseTimes: Record<string, Record<string, Array<Record<string, number>>>> = Object.fromEntries(
  cases.map((c) => [c, Object.fromEntries(variants.map((v) => [v.label, []]))]),
);
try {
  const repo = join(root, 'repo');
  const tree = await makeModel(repo);
  await git(repo, 'init', '-q', '-b', 'main');
  await git(repo, 'add', '.');
  await git(repo, 'commit', '-q', '-m', 'tree');
  const firstSha = await git(repo, 'rev-parse', 'HEAD');
  const describe = (variant: (typeof variants)[number]) =>
    runner === 'module' ? 'bench/sync-run.ts (the sync module alone)' : `node ${join(variant.source, 'index.js')}`;
  console.log(`tree: ${tree.files.length} files, ${(tree.bytes / 1e6).toFixed(0)} MB; ${repetitions} repetition(s)`);
  for (const variant of variants) console.log(`${variant.label}: ${describe(variant)}`);
  const outputs: string[] = [];
  for (let rep = 0; rep < repetitions; rep += 1) {
    const buckets: Record<string, string> = Object.fromEntries(labels.map((label) => [label, `bench-${label}-${rep}`]));
    for (const bucket of Object.values(buckets)) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // Who goes first turns with each repetition.
    const order = labels.map((_, i) => labels[(i + rep) % labels.length]);
    const pair = async (name: CaseName, workspace: string, c: Omit<ActionCase, 'bundle' | 'workspace' | 'bucket' | 'profileName'>) => {
      for (const label of order) {
        if (label === 'cli') {
          times[name].cli.push((await cliRun(buckets.cli, workspace)).seconds);
          continue;
        }
        const variant = variants.find((v) => v.label === label)!;
        const profileName = `${rep}-${label}-${name.replace(/\W+/g, '-')}-${times[name][label].length}`;
        const result = await actionRun({ ...c, bundle: variant.bundle, workspace, bucket: buckets[label], profileName });
        times[name][label].push(result.seconds);
        phaseTimes[name][label].push(phases(result));
        const { 'files-uploaded': up, 'files-unchanged': same, 'bytes-uploaded': bytes } = result.outputs;
        outputs.push(`${name} #${rep} ${label}: uploaded ${up}, unchanged ${same}, bytes ${bytes}`);
        if (args.show) {
          const pattern = new RegExp(args.show);
          for (const line of result.stdout.split('\n')) if (pattern.test(line)) outputs.push(`    ${line.slice(0, 300)}`);
        }
      }
    };
    let workspace = join(root, `clone-${rep}-a`);
    await git(root, 'clone', '-q', repo, workspace);
    await pair('first upload', workspace, { scenarios: 'all', sha: firstSha, event: { before: '0'.repeat(40), after: firstSha } });
    // A fresh checkout: every file is written again (new mtimes), content unchanged.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await rm(workspace, { recursive: true, force: true });
    workspace = join(root, `clone-${rep}-b`);
    await git(root, 'clone', '-q', repo, workspace);
    await pair('fresh checkout re-sync', workspace, { scenarios: 'all', sha: firstSha, event: { before: firstSha, after: firstSha } });
    // One same-size edit of a small file, committed: the push of that commit (--edits of them, one after another).
    let before = firstSha;
    for (let edit = 0; edit < edits; edit += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const edited = join(workspace, tree.files[10 + rep * edits + edit]);
      const content = await readFile(edited);
      content[0] = content[0] ^ 0xff;
      await writeFile(edited, content);
      await git(workspace, 'commit', '-q', '-am', 'edit');
      const editSha = await git(workspace, 'rev-parse', 'HEAD');
      await pair('one same-size edit', workspace, { scenarios: 'changed', sha: editSha, event: { before, after: editSha } });
      before = editSha;
    }
    await rm(workspace, { recursive: true, force: true });
  }
  console.log('\naction outputs per run:');
  for (const line of outputs) console.log(`  ${line}`);
  if (runner === 'action') {
    console.log('\naction phases, median seconds:');
    for (const name of cases) {
      for (const variant of variants) {
        const runs = phaseTimes[name][variant.label];
        const names = [...new Set(runs.flatMap((p) => Object.keys(p)))];
        console.log(`  ${name} (${variant.label}): ${names.map((phase) => `${phase} ${median(runs.map((p) => p[phase] ?? 0)).toFixed(2)}`).join('; ')}`);
      }
    }
  }
  const list = (values: number[]) => values.map((t) => t.toFixed(2)).join(', ');
  const goals: Record<CaseName, string> = { 'first upload': '<= 1.0 (aim 0.7)', 'fresh checkout re-sync': '<= 0.2', 'one same-size edit': '<= 0.5' };
  for (const variant of variants) {
    console.log(`\n${variant.label}: ${describe(variant)}`);
    console.log('| case | action s (median) | aws s3 sync s (median) | ratio | goal |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const name of cases) {
      const a = median(times[name][variant.label]);
      const c = median(times[name].cli);
      console.log(`| ${name} | ${a.toFixed(2)} [${list(times[name][variant.label])}] | ${c.toFixed(2)} [${list(times[name].cli)}] | ${(a / c).toFixed(2)} | ${goals[name]} |`);
    }
  }
} finally {
  s3.destroy();
  await moto.stop();
  await rm(root, { recursive: true, force: true });
}
