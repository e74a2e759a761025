/**
 * Validate mode's cost on every pull request: the whole process `node dist/index.js` (mode validate) against the
 * asl-validator CLI on the same definition, for a small model and a 1,000-step definition. Runs alternate; the
 * medians and their ratio are printed. Goal: ratio <= 0.3 on both. A third row is the small model with
 * `--scenario-files` files (default 20,000) in its scenario base: what validate pays for the scenario tree it walks
 * (links, special files, unprintable names), which asl-validator never looks at.
 *
 *   npm run bench:validate [-- --runs 21] [-- --dist dist --dist /tmp/other-build] [-- --scenario-files 20000]
 *
 * `--dist` (repeatable; default dist/) compares bundles built with `node scripts/bundle.ts --outdir <folder>`, e.g.
 * before and after an optimisation: each gets its own column, all runs alternating.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateLargeDefinition } from '../__tests__/fixtures/asl/generate-large.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '15' }, dist: { type: 'string', multiple: true, default: ['dist'] }, 'scenario-files': { type: 'string', default: '20000' } },
});
const runs = Number(values.runs);
const aslValidator = path.join(root, 'node_modules', 'asl-validator', 'dist', 'bin', 'asl-validator.js');
const actions = values.dist.map((folder) => path.join(path.resolve(root, folder), 'index.js'));

/**
 * A model folder in the Quetzal layout whose definition chains `steps` notebook steps (the fixture's generator), and
 * whose scenario base holds `scenarioFiles` small files, 500 to a folder.
 */
function makeModel(steps: number, scenarioFiles: number): { workspace: string; definition: string } {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-validate-'));
  const model = path.join(workspace, 'quetzal-bench');
  const large = generateLargeDefinition(steps, 'quetzal-bench');
  fs.mkdirSync(path.join(model, 'scenarios', 'base'), { recursive: true });
  fs.writeFileSync(path.join(model, '.env'), 'AWS_ECR_REPO_NAME=quetzal-bench\n');
  fs.writeFileSync(path.join(model, 'Dockerfile'), 'FROM scratch\n');
  fs.writeFileSync(path.join(model, 'Dockerfile.dockerignore'), 'quetzal-bench/scenarios/*\n');
  for (const notebook of large.notebooks) {
    fs.mkdirSync(path.dirname(path.join(model, notebook)), { recursive: true });
    fs.writeFileSync(path.join(model, notebook), '{}');
  }
  for (let index = 0; index < scenarioFiles; index += 1) {
    const folder = path.join(model, 'scenarios', 'base', 'inputs', String(Math.floor(index / 500)));
    if (index % 500 === 0) fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, `file_${index}.csv`), `${index}\n`);
  }
  const definition = path.join(model, 'step-functions.json');
  fs.writeFileSync(definition, large.text);
  return { workspace, definition };
}

function time(command: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, command, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`);
  return elapsed;
}

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

console.log(`node ${process.version}, ${runs} alternating runs each, wall time of the whole process`);
const columns = actions.length === 1 ? ['action validate'] : values.dist;
console.log(`| definition | size | asl-validator (ms) | ${columns.map((name) => `${name} (ms) | ratio`).join(' | ')} |`);
console.log(`| --- | --- | --- | ${columns.map(() => '--- | ---').join(' | ')} |`);
const scenarioFiles = Number(values['scenario-files']);
for (const [steps, files] of [[3, 0], [1000, 0], [3, scenarioFiles]]) {
  const { workspace, definition } = makeModel(steps, files);
  const actionEnv = {
    ...process.env,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: 'pull_request',
    'INPUT_MODEL-FOLDER': 'quetzal-bench',
    INPUT_MODE: 'validate',
    GITHUB_OUTPUT: path.join(workspace, 'output'),
    GITHUB_STEP_SUMMARY: path.join(workspace, 'summary'),
  };
  fs.writeFileSync(actionEnv.GITHUB_OUTPUT, '');
  fs.writeFileSync(actionEnv.GITHUB_STEP_SUMMARY, '');
  const baseline: number[] = [];
  const ours: number[][] = actions.map(() => []);
  time([aslValidator, '--json-path', definition, '--silent'], process.env); // warm the file cache
  for (const action of actions) time([action], actionEnv);
  for (let run = 0; run < runs; run += 1) {
    baseline.push(time([aslValidator, '--json-path', definition, '--silent'], process.env));
    actions.forEach((action, index) => ours[index].push(time([action], actionEnv)));
  }
  const a = median(baseline);
  const kib = (fs.statSync(definition).size / 1024).toFixed(0);
  const cells = ours.map((samples) => `${median(samples).toFixed(0)} | ${(median(samples) / a).toFixed(2)}`);
  console.log(`| ${steps} steps${files > 0 ? `, ${files.toLocaleString('en')} scenario files` : ''} | ${kib} KiB | ${a.toFixed(0)} | ${cells.join(' | ')} |`);
  fs.rmSync(workspace, { recursive: true, force: true });
}
