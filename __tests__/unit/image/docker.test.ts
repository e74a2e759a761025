import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliDockerEngine } from '../../../src/image/docker.ts';
import { DeployError } from '../../../src/ground/errors.ts';
import type { Logger } from '../../../src/ground/logger.ts';

/**
 * A docker CLI that records its arguments (one a line) in $RECORD, and its standard input when it logs in (as the
 * real one, it reads no input otherwise, unless $READ_STDIN is set); answers `version` and
 * `buildx version`, writes the --iidfile of a build and prints what $PRINT and $PRINT_ERR hold; exits with 2 when an
 * argument is $FAIL_ON.
 */
const FAKE_DOCKER = `#!/bin/sh
printf '%s\\n' "$@" > "$RECORD.args"
case " $* " in *" --password-stdin "*) cat > "$RECORD.stdin" ;; esac
[ -n "$READ_STDIN" ] && cat > /dev/null
code=0
[ "$1 $2" = "version --format" ] && echo "27.1.0|27.1.0"
while [ $# -gt 0 ]; do
  [ "$1" = --iidfile ] && echo "sha256:feed" > "$2"
  [ "$1" = "$FAIL_ON" ] && code=2
  shift
done
printf '%b' "$PRINT"
printf '%b' "$PRINT_ERR" >&2
exit $code
`;

function fakeDocker(env: Record<string, string> = {}, folderName = 'bin') {
  const root = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  mkdirSync(join(root, folderName));
  const command = join(root, folderName, 'docker');
  writeFileSync(command, FAKE_DOCKER);
  chmodSync(command, 0o755);
  const record = join(root, 'record');
  const infos: string[] = [];
  const logger: Logger = {
    info: (message) => infos.push(message),
    warning: () => {},
    debug: () => {},
    secret: () => {},
    group: (_title, task) => task(),
  };
  const docker = new CliDockerEngine({ command, logger, env: { ...process.env, DOCKER_CONFIG: join(root, 'none'), RECORD: record, ...env } });
  return { docker, infos, args: () => readFileSync(`${record}.args`, 'utf8').split('\n').slice(0, -1), stdin: () => readFileSync(`${record}.stdin`, 'utf8') };
}

describe('the docker CLI engine', () => {
  it('logs in with the password on standard input, never on the command line, into a private config it removes', async () => {
    const { docker, args, stdin } = fakeDocker();
    await docker.login('https://1.dkr.ecr.eu-west-3.amazonaws.com/', 'AWS', 'pa55word');
    const [flag, config, ...rest] = args();
    assert.equal(flag, '--config');
    assert.deepEqual(rest, ['login', '--username', 'AWS', '--password-stdin', '1.dkr.ecr.eu-west-3.amazonaws.com']);
    assert.equal(stdin(), 'pa55word');
    assert.ok(!args().some((arg) => arg.includes('pa55word')));
    await docker.dispose();
    assert.equal(existsSync(config), false);
  });

  it('a CLI that reads its standard input (a wrapper script) gets end-of-file at once, never waits for input', { timeout: 10_000 }, async () => {
    const { docker } = fakeDocker({ READ_STDIN: '1' });
    const started = performance.now();
    assert.deepEqual(await docker.info(), { serverVersion: '27.1.0', clientVersion: '27.1.0' });
    assert.ok(performance.now() - started < 5_000);
  });

  it('reads the versions, and says when the daemon does not answer', async () => {
    assert.deepEqual(await fakeDocker().docker.info(), { serverVersion: '27.1.0', clientVersion: '27.1.0' });
    await assert.rejects(fakeDocker({ FAIL_ON: 'version', PRINT_ERR: 'Cannot connect to the Docker daemon\\n' }).docker.info(), (error: unknown) => {
      assert.ok(error instanceof DeployError);
      assert.match(error.message, /does not answer: Cannot connect to the Docker daemon/);
      return true;
    });
  });

  it("streams a build's lines to the logger, the last unended one too", async () => {
    const { docker, infos, args } = fakeDocker({ PRINT: '#1 step one\\n\\n#2 ::error::not a command\\nlast line', PRINT_ERR: 'a warning\\n' }, 'with space');
    const result = await docker.build({ context: '/ctx', dockerfile: '/ctx/Dockerfile', tags: ['r/m:1'], buildArgs: { A: 'b c' }, labels: {}, platform: 'linux/amd64' });
    assert.deepEqual(result, { imageId: 'sha256:feed', builder: 'buildx' });
    assert.ok(args().includes('A=b c'), 'an argument with a space is one argument');
    assert.deepEqual(infos.slice(1).sort(), ['#1 step one', '#2 ::error::not a command', 'a warning', 'last line'].sort());
  });

  it('fails a build with its last line, and a command that cannot run with a DeployError', async () => {
    const { docker } = fakeDocker({ FAIL_ON: 'build', PRINT_ERR: 'step 3 failed\\n' });
    await assert.rejects(docker.build({ context: '/c', dockerfile: '/c/D', tags: [], buildArgs: {}, labels: {}, platform: 'linux/amd64' }), /docker build failed \(exit 2\): step 3 failed/);
    const missing = new CliDockerEngine({ command: join(tmpdir(), 'no-such-docker'), logger: { info() {}, warning() {}, debug() {}, secret() {}, group: (_t, task) => task() } });
    await assert.rejects(missing.hasBuildx(), (error: unknown) => error instanceof DeployError && /^Cannot run .*no-such-docker/.test(error.message));
  });
});
