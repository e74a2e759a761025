/**
 * A pull request controls every byte the validate run reads. This bench runs the BUNDLED action (`node
 * dist/index.js`, mode validate, inputs as INPUT_* variables, as a runner does) on one hostile model per class of
 * input that used to hang or crash it, plus a model that sits just under every size limit, and prints the wall time
 * of each run (and its peak memory when GNU time is installed). Goal: every run under 2 s.
 *
 *   npm run bundle && npm run bench:hostile [-- --timeout 30 --only nested-arrays --action /tmp/old/dist/index.js]
 *
 * --keep leaves each model's workspace in place (its path is printed) to rerun or profile it.
 * A run still going after --timeout seconds (default 30) is killed and reported as "> 30 s".
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateLargeDefinition } from '../__tests__/fixtures/asl/generate-large.ts';
import { parseAnnotations } from '../__tests__/helpers/action.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    timeout: { type: 'string', default: '30' },
    only: { type: 'string', multiple: true },
    action: { type: 'string', default: path.join(root, 'dist', 'index.js') },
    keep: { type: 'boolean', default: false },
  },
});
const timeoutSeconds = Number(values.timeout);
const GOAL_MS = 2000;
const MODEL = 'quetzal-hostile';

/** Files of the model folder (relative path → content; a trailing `/` makes an empty folder). */
type ModelFiles = Record<string, string>;

interface Case {
  name: string;
  /** What is hostile about it, for the table. */
  what: string;
  files: () => ModelFiles;
}

const machine = (states: string) => `{\n  "StartAt": "First",\n  "States": {\n${states}\n  }\n}\n`;
const passState = (extra: string) => `    "First": {\n      "Type": "Pass",\n${extra}\n      "End": true\n    }`;

const baseFiles = (): ModelFiles => ({
  '.env': `AWS_ECR_REPO_NAME=${MODEL}\n`,
  Dockerfile: 'FROM scratch\n',
  'Dockerfile.dockerignore': `${MODEL}/scenarios/*\n`,
  'scenarios/base/': '',
  'step-functions.json': machine(passState('')),
});

/** A definition of about `bytes` bytes: generated Quetzal steps (their notebooks are missing: one error each). */
function largeDefinition(bytes: number): string {
  const perStep = generateLargeDefinition(10, MODEL).text.length / 10;
  return generateLargeDefinition(Math.ceil(bytes / perStep), MODEL).text;
}

/** An ignore pattern whose `*`s a backtracking matcher tries in every split of a long name (none ends in "b"). */
const starPattern = (stars: number) => `${MODEL}/scenarios/${'*a'.repeat(stars)}*b`;

const cases: Case[] = [
  {
    name: 'to-edit-long-line',
    what: '600 KB line of \\" escapes before "# TO EDIT"',
    files: () => ({
      ...baseFiles(),
      'step-functions.json': machine(passState(`      "Comment": "${'\\"'.repeat(300_000)}", # TO EDIT\n`)),
    }),
  },
  {
    name: 'definition-62mb',
    what: '62 MB definition (limit 1 MB)',
    files: () => ({ ...baseFiles(), 'step-functions.json': largeDefinition(62 * 1024 * 1024) }),
  },
  {
    name: 'ignore-stars',
    what: 'ignore line with 8 "*a" against 3 scenario names of 60 "a"',
    files: () => ({
      ...baseFiles(),
      'Dockerfile.dockerignore': `${starPattern(8)}\n`,
      ...Object.fromEntries([1, 2, 3].map((n) => [`scenarios/${'a'.repeat(59)}${n}/`, ''])),
    }),
  },
  {
    name: 'env-20000-keys',
    what: '.env with 20,000 keys',
    files: () => ({
      ...baseFiles(),
      '.env': `AWS_ECR_REPO_NAME=${MODEL}\n${Array.from({ length: 20_000 }, (_, i) => `KEY_${i}=value-${i}`).join('\n')}\n`,
    }),
  },
  {
    name: 'env-blank-lines',
    what: '.env of 1 MB of blank lines after a comment (dotenv retries at each)',
    files: () => ({ ...baseFiles(), '.env': `# the model\n${' \n'.repeat(500_000)}# its name\nAWS_ECR_REPO_NAME=${MODEL}\n` }),
  },
  {
    name: 'nested-arrays',
    what: '100,000 nested arrays in a Pass "Result"',
    files: () => ({
      ...baseFiles(),
      'step-functions.json': machine(passState(`      "Result": ${'['.repeat(100_000)}${']'.repeat(100_000)},`)),
    }),
  },
  {
    name: 'nested-intrinsics',
    what: '45,000 nested States.Format calls in one "x.$" value',
    files: () => ({
      ...baseFiles(),
      'step-functions.json': machine(
        passState(`      "Parameters": { "x.$": "${"States.Format('{}', ".repeat(45_000)}'x'${')'.repeat(45_000)}" },`),
      ),
    }),
  },
  {
    name: 'many-findings',
    what: '1 MB definition of "@" lines: 500,000 syntax errors',
    files: () => ({ ...baseFiles(), 'step-functions.json': '@\n'.repeat(512 * 1024 - 64) }),
  },
  {
    name: 'many-jsonata',
    what: '1 MB definition with 60,000 distinct JSONata expressions',
    files: () => {
      const expressions = Array.from({ length: 60_000 }, (_, i) => `"{% $x${i} %}"`).join(',');
      return {
        ...baseFiles(),
        'step-functions.json': `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Output":[${expressions}]}}}`,
      };
    },
  },
  {
    name: 'near-limits',
    what: '1 MB definition + 1 MB .env + 64 KB ignore file, each just under its limit',
    files: nearLimits,
  },
];

/**
 * Just under every limit at once: a definition of almost 1 MB that is not strict JSON (a long `# TO EDIT` line, so
 * the tolerant parser runs), nests 250 deep, nests intrinsic functions and JSONata parentheses 200 deep, and has
 * thousands of states whose "Next" names no state (each error looks for a similar name); a .env of almost 1 MiB
 * with a long run of blank lines;
 * an ignore file of almost 64 KiB of star-heavy lines, against 200 scenario folders with long names.
 */
function nearLimits(): ModelFiles {
  const states: string[] = [];
  states.push(`    "First": {\n      "Type": "Pass",\n      "Result": ${'['.repeat(250)}1${']'.repeat(250)},\n      "Next": "Missing 0"\n    }`);
  states.push(
    `    "Intrinsic": {\n      "Type": "Pass",\n      "Parameters": { "x.$": "${'States.Array('.repeat(200)}${')'.repeat(200)}" },\n      "Next": "Missing 1"\n    }`,
  );
  states.push(
    `    "Jsonata": {\n      "Type": "Pass",\n      "QueryLanguage": "JSONata",\n      "Output": "{% ${'('.repeat(200)}1${')'.repeat(200)} %}",\n      "Next": "Missing 2"\n    }`,
  );
  states.push(`    "ToEdit": {\n      "Type": "Pass",\n      "Comment": "${'\\"'.repeat(100_000)}", # TO EDIT\n      "End": true\n    }`);
  const head = machine(states.join(',\n')).length;
  const limit = 1024 * 1024 - 64;
  let size = head;
  for (let i = 0; ; i++) {
    const state = `,\n    "State ${i}": { "Type": "Pass", "Next": "state ${i} " }`;
    if (size + state.length > limit) break;
    states.push(state.slice(2));
    size += state.length;
  }
  const definition = machine(states.join(',\n'));

  // After a comment, a run of blank lines just under what the action lets dotenv read.
  const envLines = ['# the model', ...Array<string>(9_990).fill(''), '# its name', `AWS_ECR_REPO_NAME=${MODEL}`];
  let envSize = envLines.join('\n').length + 1;
  for (let i = 0; ; i++) {
    const line = i % 2 ? `export KEY_${i}="value ${i}"` : `KEY_${i}: value-${i}`;
    if (envSize + line.length + 1 > 1024 * 1024 - 16) break;
    envLines.push(line);
    envSize += line.length + 1;
  }

  const ignoreLines = [`${MODEL}/scenarios/*`];
  let ignoreSize = ignoreLines[0].length + 1;
  for (let i = 0; ; i++) {
    const line = i % 3 === 0 ? starPattern(40) : i % 3 === 1 ? `**/${'*?'.repeat(40)}[a-z]` : `!${MODEL}/scenarios/${'*a'.repeat(40)}`;
    if (ignoreSize + line.length + 1 > 64 * 1024 - 16) break;
    ignoreLines.push(line);
    ignoreSize += line.length + 1;
  }
  const scenarios = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`scenarios/${'a'.repeat(200)}${i}/`, '']));

  return {
    ...baseFiles(),
    ...scenarios,
    'step-functions.json': definition,
    '.env': `${envLines.join('\n')}\n`,
    'Dockerfile.dockerignore': `${ignoreLines.join('\n')}\n`,
  };
}

function writeModel(files: ModelFiles): string {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hostile-'));
  const model = path.join(workspace, MODEL);
  fs.mkdirSync(model);
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(model, name);
    if (name.endsWith('/')) fs.mkdirSync(target, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
  return workspace;
}

interface Run {
  ms: number;
  timedOut: boolean;
  exitCode: number | null;
  stdout: string;
  /** Peak resident memory in MiB (GNU time), when known. */
  peakMiB?: number;
}

const gnuTime = process.platform === 'linux' && fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs the bundle as a runner does; a run past the timeout is killed with its whole process group. */
function runAction(workspace: string): Promise<Run> {
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hostile-runner-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('INPUT_') && !key.startsWith('GITHUB_')) env[key] = value;
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: path.join(runnerTemp, 'event.json'),
    GITHUB_OUTPUT: path.join(runnerTemp, 'output'),
    GITHUB_STEP_SUMMARY: path.join(runnerTemp, 'summary'),
    RUNNER_TEMP: runnerTemp,
    'INPUT_MODEL-FOLDER': MODEL,
    INPUT_MODE: 'validate',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  });
  for (const file of ['event.json', 'output', 'summary']) fs.writeFileSync(path.join(runnerTemp, file), file === 'event.json' ? '{}' : '');
  const timeFile = path.join(runnerTemp, 'time');
  const [command, args] = gnuTime
    ? [gnuTime, ['-f', '%M', '-o', timeFile, process.execPath, values.action]]
    : [process.execPath, [values.action]];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, cwd: workspace, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, timeoutSeconds * 1000);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const kib = !timedOut && fs.existsSync(timeFile) ? Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()) : NaN;
      fs.rmSync(runnerTemp, { recursive: true, force: true });
      resolve({ ms, timedOut, exitCode, stdout, peakMiB: Number.isFinite(kib) ? kib / 1024 : undefined });
    });
  });
}

/** The first positioned error annotation, as `rule file:line:col`, the error count, and the warnings' rules. */
function outcome(stdout: string): string {
  const annotations = parseAnnotations(stdout).filter((annotation) => annotation.file);
  const errors = annotations.filter((annotation) => annotation.level === 'error');
  const shown = errors.find((annotation) => annotation.line !== undefined) ?? errors[0];
  const warnings = [...new Set(annotations.filter((annotation) => annotation.level === 'warning').map((annotation) => annotation.title))];
  const parts = [shown ? `${shown.title} ${path.basename(shown.file!)}:${shown.line ?? '-'}:${shown.col ?? '-'} (${errors.length} errors)` : 'no error'];
  if (warnings.length > 0) parts.push(`warnings: ${warnings.join(', ')}`);
  return parts.join('; ');
}

console.log(`node ${process.version}, ${values.action}, timeout ${timeoutSeconds} s, goal < ${GOAL_MS / 1000} s per run`);
console.log('| case | input | wall time | peak memory | findings | < 2 s |');
console.log('| --- | --- | --- | --- | --- | --- |');
let failures = 0;
for (const hostile of cases) {
  if (values.only && !values.only.includes(hostile.name)) continue;
  const workspace = writeModel(hostile.files());
  const run = await runAction(workspace);
  if (values.keep) console.log(`(workspace kept: ${workspace})`);
  else fs.rmSync(workspace, { recursive: true, force: true });
  const time = run.timedOut ? `> ${timeoutSeconds} s` : `${(run.ms / 1000).toFixed(2)} s`;
  const memory = run.peakMiB === undefined ? '-' : `${run.peakMiB.toFixed(0)} MiB`;
  const findings = run.timedOut ? 'killed' : `${outcome(run.stdout)}; exit ${run.exitCode}`;
  const ok = !run.timedOut && run.ms < GOAL_MS;
  if (!ok) failures += 1;
  console.log(`| ${hostile.name} | ${hostile.what} | ${time} | ${memory} | ${findings} | ${ok ? 'yes' : 'NO'} |`);
}
process.exitCode = failures === 0 ? 0 : 1;
