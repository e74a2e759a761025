/**
 * Bench: the first deploy of a commit against a rerun of the same commit — the whole bundled action
 * (`node dist/index.js`, every step: image, Lambda, state machine, scenarios), run as a GitHub runner runs it,
 * on the local account (scripts/local-account; reuses a running one, or the one LOCAL_ACCOUNT_ENV names).
 * Goal: rerun ≤ 0.3 × first, with nothing built and 0 bytes pushed.
 * Usage: npx node bench/deploy.ts [payload MiB in the image, default 32] [repetitions, default 3]
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../__tests__/helpers/action.ts';
import { startLocalAccount } from '../__tests__/helpers/local-account.ts';

const payloadMiB = Number(process.argv[2] ?? 32);
const repetitions = Number(process.argv[3] ?? 3);
const account = await startLocalAccount();

/** A model in the Quetzal layout with a payload of its own, committed in a git repository. */
function makeModel(name: string): { workspace: string; sha: string } {
  const workspace = mkdtempSync(join(tmpdir(), 'quetzal-deploy-bench-'));
  const model = join(workspace, name);
  mkdirSync(join(model, 'notebooks'), { recursive: true });
  mkdirSync(join(model, 'scenarios/base/inputs'), { recursive: true });
  writeFileSync(join(model, '.env'), `AWS_ECR_REPO_NAME=${name}\n`);
  writeFileSync(join(model, 'notebooks/A10_model.ipynb'), '{"cells":[],"metadata":{},"nbformat":4,"nbformat_minor":5}');
  writeFileSync(join(model, 'notebooks/data.bin'), randomBytes(payloadMiB * 1024 * 1024));
  for (let index = 0; index < 40; index += 1) writeFileSync(join(model, `scenarios/base/inputs/zone_${index}.geojson`), randomBytes(64 * 1024).toString('base64'));
  writeFileSync(join(model, 'scenarios/base/inputs/big.bin'), randomBytes(8 * 1024 * 1024));
  writeFileSync(join(model, 'Dockerfile'), 'FROM scratch\nARG QUETZAL_MODEL_NAME\nCOPY ${QUETZAL_MODEL_NAME}/ /var/task/${QUETZAL_MODEL_NAME}/\nCMD ["/none"]\n');
  writeFileSync(join(model, 'Dockerfile.dockerignore'), `${name}/scenarios/*\n`);
  writeFileSync(
    join(model, 'step-functions.json'),
    JSON.stringify({
      StartAt: 'A10',
      States: { A10: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${LambdaFunctionArn}', Payload: { notebook_path: 'notebooks/A10_model.ipynb' } }, End: true } },
    }),
  );
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=b@example.com', '-c', 'user.name=bench', ...args], { cwd: model, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'bench model');
  return { workspace, sha: git('rev-parse', 'HEAD') };
}

async function deploy(name: string, workspace: string, sha: string): Promise<{ seconds: number; run: ActionRun }> {
  const started = performance.now();
  const run = await runAction({
    workspace,
    sha,
    eventName: 'push',
    event: { before: '0'.repeat(40), after: sha },
    inputs: { 'model-folder': name, mode: 'deploy' },
    env: account.env,
  });
  if (run.exitCode !== 0) throw new Error(`deploy of ${name} failed:\n${run.stdout}`);
  return { seconds: (performance.now() - started) / 1000, run };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const firsts: number[] = [];
const reruns: number[] = [];
/** Each first deploy's seconds per step, from its job summary: where a change in the total comes from. */
const stepTimes: string[] = [];
try {
  console.log(`payload ${payloadMiB} MiB in the image, 41 scenario files (10.5 MB); ${repetitions} models`);
  console.log('| model | first (s) | rerun (s) | rerun/first | rerun image | rerun bytes uploaded |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const name = `qzbench-${randomBytes(3).toString('hex')}`;
    await account.provisionModel(name);
    const { workspace, sha } = makeModel(name);
    const first = await deploy(name, workspace, sha);
    const rerun = await deploy(name, workspace, sha);
    const image = /### image: ([^\n(]+)/.exec(rerun.run.summary)?.[1]?.trim();
    firsts.push(first.seconds);
    reruns.push(rerun.seconds);
    console.log(`| ${name} | ${first.seconds.toFixed(2)} | ${rerun.seconds.toFixed(2)} | ${(rerun.seconds / first.seconds).toFixed(2)} | ${image} | ${rerun.run.outputs['bytes-uploaded']} |`);
    stepTimes.push(`${name} first deploy: ${[...first.run.summary.matchAll(/### ([a-z-]+): [^\n]*\(([\d.]+) s\)/g)].map(([, step, seconds]) => `${step} ${seconds} s`).join(', ')}`);
    rmSync(workspace, { recursive: true, force: true });
  }
  console.log(stepTimes.join('\n'));
  const ratio = median(reruns) / median(firsts);
  console.log(`median: first ${median(firsts).toFixed(2)} s, rerun ${median(reruns).toFixed(2)} s; rerun/first = ${ratio.toFixed(2)} (goal ≤ 0.30) ${ratio <= 0.3 ? 'OK' : 'MISSED'}`);
} finally {
  await account.stop();
}
