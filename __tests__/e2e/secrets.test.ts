/**
 * The registry password, end to end: it appears only in the `::add-mask::` command. Never on a command line (a
 * `docker` wrapper first on PATH records every argv and the length of its stdin, and /proc/<pid>/cmdline of every
 * process the action starts is read while it runs), never in the log, the debug log or the job summary. The Docker
 * config holding the login is a private temporary folder, removed at the end, also when the push fails.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { errorMessages, type ActionRun } from '../helpers/action.ts';
import { commandLine, descendants, startAction } from '../helpers/action-child.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo, type ModelRepo } from '../helpers/model-repo.ts';

let account: LocalAccount;
let repo: ModelRepo;
let password: string;
let token: string;
let wrapperDir: string;
const name = `qsec-${process.pid}`;

/** Records `args…␟␞<stdin length>[ config-mode=<octal>]` per call, then runs the real docker with the same stdin. */
const WRAPPER = `#!/usr/bin/env bash
input=$(cat)
{
  printf '%s\\x1f' "$@"
  printf '\\x1e%d' "\${#input}"
  previous=''
  for arg in "$@"; do
    if [ "$previous" = --config ]; then printf ' config-mode=%s config-dir=%s' "$(stat -c %a "$arg")" "$arg"; fi
    previous=$arg
  done
  printf '\\n'
} >> "$DOCKER_WRAPPER_LOG"
if [ "$1" = --config ] && [ "$3" = push ] && [ -n "$DOCKER_WRAPPER_FAIL_PUSH" ]; then
  echo 'denied: the push is refused (DOCKER_WRAPPER_FAIL_PUSH)' >&2
  exit 1
fi
if [ -n "$input" ]; then printf '%s' "$input" | "$DOCKER_WRAPPER_REAL" "$@"; else "$DOCKER_WRAPPER_REAL" "$@" < /dev/null; fi
`;

interface DockerCall {
  args: string[];
  stdinLength: number;
  configMode?: string;
  configDir?: string;
}

interface WatchedRun {
  run: ActionRun;
  calls: DockerCall[];
  /** Every command line of the action's descendants seen while it ran. */
  commandLines: string[][];
  tmpdir: string;
}

function findOnPath(command: string, pathVariable: string): string {
  for (const folder of pathVariable.split(':')) {
    const candidate = path.join(folder, command);
    if (folder && folder !== wrapperDir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${command} is not on PATH`);
}

async function deployWatched(sha: string, extraEnv: Record<string, string> = {}): Promise<WatchedRun> {
  const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'qsec-tmp-'));
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qsec-log-')), 'docker.log');
  fs.writeFileSync(log, '');
  const accountPath = account.env.PATH;
  const running = startAction({
    workspace: repo.workspace,
    eventName: 'push',
    sha,
    tmpdir,
    inputs: {
      'model-folder': 'quetzal-example',
      'ecr-repository': name,
      'lambda-function': name,
      bucket: name,
      steps: 'image,lambda,scenarios',
      scenarios: 'all',
      'lock-timeout-minutes': '0',
    },
    env: {
      ...account.env,
      PATH: `${wrapperDir}:${accountPath}`,
      DOCKER_WRAPPER_LOG: log,
      DOCKER_WRAPPER_REAL: findOnPath('docker', accountPath),
      ACTIONS_STEP_DEBUG: 'true',
      RUNNER_DEBUG: '1',
      ...extraEnv,
    },
  });
  const commandLines: string[][] = [];
  const seen = new Set<string>();
  let polling = true;
  const poll = (async () => {
    while (polling) {
      for (const pid of descendants(running.child.pid!)) {
        const args = commandLine(pid);
        if (args && !seen.has(args.join('\0'))) {
          seen.add(args.join('\0'));
          commandLines.push(args);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const run = await running.done;
  polling = false;
  await poll;
  const calls = fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line): DockerCall => {
      const [argsPart, rest] = line.split('\x1e');
      const [length, ...extras] = rest.split(' ');
      const extra = Object.fromEntries(extras.map((item) => item.split('=', 2) as [string, string]));
      return { args: argsPart.split('\x1f').slice(0, -1), stdinLength: Number(length), configMode: extra['config-mode'], configDir: extra['config-dir'] };
    });
  fs.rmSync(path.dirname(log), { recursive: true, force: true });
  return { run, calls, commandLines, tmpdir };
}

/** What the runner shows or keeps: the log (debug included), stderr and the summary, without the add-mask command. */
function printed(run: ActionRun): string {
  return `${run.stdout}\n${run.stderr}\n${run.summary}`.split(`::add-mask::${password}`).join('').split(`::add-mask::${token}`).join('');
}

const leftovers = (tmpdir: string) => fs.readdirSync(tmpdir).filter((entry) => entry.startsWith('quetzal-'));

before(async () => {
  account = await startLocalAccount();
  await account.provisionModel(name);
  const ecr = new ECRClient(account.sdkConfig);
  const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
  ecr.destroy();
  token = answer.authorizationData?.[0]?.authorizationToken ?? '';
  password = Buffer.from(token, 'base64').toString('utf8').split(':').slice(1).join(':');
  assert.ok(password.length >= 8, 'the local account gives a registry password');
  wrapperDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qsec-bin-'));
  fs.writeFileSync(path.join(wrapperDir, 'docker'), WRAPPER, { mode: 0o755 });
  repo = modelRepo();
});

after(async () => {
  if (wrapperDir) fs.rmSync(wrapperDir, { recursive: true, force: true });
  await account?.stop();
});

describe('the registry password', () => {
  let watched: WatchedRun;
  let userConfigBefore: string | undefined;
  const userConfig = () => {
    const file = path.join(account.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  };

  before(async () => {
    userConfigBefore = userConfig();
    watched = await deployWatched(repo.commit('a model to build and push'));
  });

  it('the deploy (with debug logging on) builds, pushes and succeeds through the wrapper', () => {
    assert.equal(watched.run.exitCode, 0, watched.run.stdout);
    assert.match(watched.run.stdout, /^::debug::Uploaded /m, 'debug output was produced');
    const verbs = watched.calls.map((call) => call.args[call.args[0] === '--config' ? 2 : 0]);
    for (const verb of ['login', 'push']) assert.ok(verbs.includes(verb), `docker ${verb} ran (${verbs.join(', ')})`);
    assert.ok(verbs.includes('build') || verbs.includes('buildx'), `docker build ran (${verbs.join(', ')})`);
    assert.ok(watched.commandLines.some((args) => args.some((arg) => arg === 'push')), 'the process watch saw the push');
  });

  it('is masked, and otherwise never printed: not in the log, the debug log, stderr or the summary', () => {
    assert.ok(watched.run.masks.includes(password), 'masked with ::add-mask::');
    assert.ok(!printed(watched.run).includes(password), 'the password appears only in the add-mask command');
    assert.ok(!printed(watched.run).includes(token), 'nor the token it is encoded in');
  });

  it('is never on a command line: docker login reads it from stdin', () => {
    for (const call of watched.calls) assert.ok(!call.args.some((arg) => arg.includes(password)), `docker ${call.args.join(' ')}`);
    for (const args of watched.commandLines) assert.ok(!args.some((arg) => arg.includes(password) || arg.includes(token)), args.join(' '));
    const login = watched.calls.find((call) => call.args.includes('login'));
    assert.ok(login);
    assert.ok(login.args.includes('--password-stdin'));
    assert.equal(login.stdinLength, password.length, 'the password went on stdin');
    for (const call of watched.calls.filter((other) => other !== login)) assert.equal(call.stdinLength, 0, 'no other call gets it');
  });

  it('lives in a private temporary Docker config (mode 700), removed at the end; the user’s config is untouched', () => {
    const login = watched.calls.find((call) => call.args.includes('login'))!;
    assert.equal(login.configMode, '700');
    assert.ok(login.configDir?.startsWith(watched.tmpdir), `${login.configDir} is under the action's TMPDIR`);
    assert.equal(fs.existsSync(login.configDir!), false, 'removed at the end');
    assert.deepEqual(leftovers(watched.tmpdir), []);
    assert.equal(userConfig(), userConfigBefore);
  });

  it('a failing push: the run fails, and the private config is removed all the same', async () => {
    const failed = await deployWatched(repo.commit('a push that fails'), { DOCKER_WRAPPER_FAIL_PUSH: '1' });
    assert.notEqual(failed.run.exitCode, 0);
    assert.match(errorMessages(failed.run), /docker push .* failed: denied/);
    const login = failed.calls.find((call) => call.args.includes('login'));
    assert.ok(login?.configDir, 'it had logged in');
    assert.equal(fs.existsSync(login.configDir), false);
    assert.deepEqual(leftovers(failed.tmpdir), []);
    assert.ok(!printed(failed.run).includes(password));
  });
});
