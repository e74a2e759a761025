/**
 * `npm run demo`: from a fresh clone, the whole deploy of the two example models on the local AWS account: the
 * Lambda model (example/quetzal-example) and the ECS model (example/quetzal-ecs-example).
 * Installs what is missing (Debian's docker.io and docker-registry, needs root), starts the account (moto, a private
 * dockerd, a TLS registry at ECR's host name), provisions what terraform would, runs the bundled action exactly as a
 * runner does (INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), prints the job summary, and stops
 * everything it started.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scripts = path.join(root, 'scripts', 'local-account');
const stateDir = path.join(os.tmpdir(), 'quetzal-demo');
const step = (title: string) => console.log(`\n\x1b[1m== ${title}\x1b[0m`);
const sh = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(command, args, { stdio: 'inherit', env });

let started = false;
try {
  step('Installing what the local account needs (once)');
  sh('bash', [path.join(scripts, 'install.sh')]);
  if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) sh('npm', ['run', 'bundle']);

  step('Starting the local AWS account');
  sh('bash', [path.join(scripts, 'start.sh'), stateDir]);
  started = true;
  const account = Object.fromEntries(
    Object.entries(parse(fs.readFileSync(path.join(stateDir, 'env'), 'utf8'))).map(([key, value]) => [key, value.replace(/\$PATH\b/g, process.env.PATH ?? '')]),
  );

  let failures = 0;
  for (const name of ['quetzal-example', 'quetzal-ecs-example']) {
    step(`Provisioning ${name} as terraform would (bucket, repository, Lambda, state machine, ECS cluster and task definition)`);
    sh('bash', [path.join(scripts, 'provision.sh'), name, stateDir]);
    const status = deployExample(name, account);
    step(`The action exited ${status} for ${name}`);
    if (status !== 0) failures += 1;
  }
  process.exitCode = failures === 0 ? 0 : 1;
} catch (error) {
  console.error(`demo failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  if (started) {
    step('Stopping the local AWS account');
    spawnSync('bash', [path.join(scripts, 'stop.sh'), stateDir], { stdio: 'inherit' });
  }
}

/** Commits the example model in a fresh repository and runs the bundled action on it: mode deploy, as a runner does. */
function deployExample(name: string, account: Record<string, string>): number {
step(`A model repository: ${name}, committed`);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'quetzal-demo-workspace-'));
  const model = path.join(workspace, name);
  fs.cpSync(path.join(root, 'example', name), model, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=demo@example.com', '-c', 'user.name=demo', ...args], { cwd: model, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', `the example model ${name}`);
  const sha = git('rev-parse', 'HEAD');

  step('Running the bundled action: mode deploy, as a runner runs it');
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'quetzal-demo-runner-'));
  const files = { output: path.join(runnerTemp, 'output'), summary: path.join(runnerTemp, 'summary'), event: path.join(runnerTemp, 'event.json') };
  fs.writeFileSync(files.output, '');
  fs.writeFileSync(files.summary, '');
  fs.writeFileSync(files.event, JSON.stringify({ before: '0'.repeat(40), after: sha }));
  const run = spawnSync(process.execPath, [path.join(root, 'dist', 'index.js')], {
    stdio: 'inherit',
    env: {
      ...process.env,
      ...account,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: files.event,
      GITHUB_SHA: sha,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REPOSITORY: `quetzal/${name}`,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      'INPUT_MODEL-FOLDER': name,
      INPUT_MODE: 'deploy',
    },
  });

  step('Job summary');
  console.log(fs.readFileSync(files.summary, 'utf8'));
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.rmSync(runnerTemp, { recursive: true, force: true });
  return run.status ?? 1;
}
