/**
 * Bench: the first deploy of a commit against a rerun of the same commit, on the local account
 * (scripts/local-account; reuses a running one, or the one LOCAL_ACCOUNT_ENV names).
 * Goal: rerun ≤ 0.3 × first, with nothing built and 0 layers pushed.
 * Usage: npx node bench/deploy.ts [payload MiB, default 32]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalAccount } from '../__tests__/helpers/local-account.ts';
import type { ChildRequest } from '../__tests__/integration/deploy/run-deploy-child.ts';

const payloadMiB = Number(process.argv[2] ?? 32);
const account = await startLocalAccount();
const name = `qzbench-${randomBytes(3).toString('hex')}`;
await account.provisionModel(name);
const workspace = mkdtempSync(join(tmpdir(), 'quetzal-deploy-bench-'));
const modelDir = join(workspace, name);
mkdirSync(join(modelDir, 'notebooks'), { recursive: true });
mkdirSync(join(modelDir, 'scenarios/base/inputs'), { recursive: true });
writeFileSync(join(modelDir, 'notebooks/data.bin'), randomBytes(payloadMiB * 1024 * 1024));
writeFileSync(join(modelDir, 'scenarios/base/inputs/big.bin'), randomBytes(8 * 1024 * 1024));
writeFileSync(join(modelDir, 'Dockerfile'), 'FROM scratch\nARG QUETZAL_MODEL_NAME\nCOPY ${QUETZAL_MODEL_NAME}/ /var/task/${QUETZAL_MODEL_NAME}/\nCMD ["/none"]\n');
writeFileSync(join(modelDir, 'Dockerfile.dockerignore'), `${name}/scenarios/*\n`);
writeFileSync(
  join(modelDir, 'step-functions.json'),
  JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${LambdaFunctionArn}' }, End: true } } }),
);

function deploy(sha: string): Promise<{ seconds: number; result: { ok: boolean; message?: string; reports: Array<{ step: string; status: string; details: Array<[string, string]> }> } }> {
  const request: ChildRequest = {
    mode: 'deploy',
    target: { modelName: name, modelDir, repositoryName: name, functionName: name, stateMachine: name, bucketName: name },
    inputs: { steps: 'image,lambda,state-machine' },
    git: { sha, ref: 'refs/heads/main', repositoryUrl: 'https://github.com/quetzal/bench' },
    definitionPath: join(modelDir, 'step-functions.json'),
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(join(import.meta.dirname, '../node_modules/.bin/node'), [join(import.meta.dirname, '../__tests__/integration/deploy/run-deploy-child.ts'), JSON.stringify(request)], {
      env: account.childEnv(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', () => resolve({ seconds: (performance.now() - started) / 1000, result: JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') }));
  });
}

try {
  const sha = randomBytes(20).toString('hex');
  const first = await deploy(sha);
  const rerun = await deploy(sha);
  for (const [label, run] of [['first', first], ['rerun', rerun]] as const) {
    if (!run.result.ok) throw new Error(`${label} deploy failed: ${run.result.message}`);
    const image = run.result.reports.find((r) => r.step === 'image');
    const layers = Object.fromEntries(image?.details ?? [])['Layers pushed'];
    console.log(`${label.padEnd(6)} ${run.seconds.toFixed(2)} s  image: ${image?.status}, layers pushed: ${layers}  ` + run.result.reports.map((r) => `${r.step}: ${r.status}`).join(', '));
  }
  const ratio = rerun.seconds / first.seconds;
  console.log(`payload ${payloadMiB} MiB; rerun/first = ${ratio.toFixed(2)} (goal ≤ 0.30) ${ratio <= 0.3 ? 'OK' : 'MISSED'}`);
} finally {
  rmSync(workspace, { recursive: true, force: true });
  await account.stop();
}
