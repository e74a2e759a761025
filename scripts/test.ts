/**
 * `npm test`: every test — unit, integration and end-to-end. Starts the local AWS account (moto, a private
 * dockerd, a TLS registry posing as ECR) once, runs node's test runner over __tests__, then stops what it started.
 * The test runner's own summary is the last thing printed.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Short: dockerd's and containerd's unix sockets live in it. One per checkout, so two clones never share one.
const stateDir = path.join(os.tmpdir(), `qla-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`);
const logFile = path.join(stateDir, 'test-run.log');
fs.mkdirSync(stateDir, { recursive: true });
const log = fs.openSync(logFile, 'a');

const startedHere = !process.env.LOCAL_ACCOUNT_ENV;
if (startedHere) {
  const start = spawnSync('bash', [path.join(root, 'scripts/local-account/start.sh'), stateDir], { stdio: ['ignore', log, log] });
  if (start.status !== 0) {
    process.stderr.write(`could not start the local AWS account (see ${logFile}):\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}\n`);
    process.exit(1);
  }
}
const env = { ...process.env, LOCAL_ACCOUNT_ENV: process.env.LOCAL_ACCOUNT_ENV ?? path.join(stateDir, 'env') };

const stop = () => {
  if (startedHere) spawnSync('bash', [path.join(root, 'scripts/local-account/stop.sh'), stateDir], { stdio: ['ignore', log, log] });
};
const runner = spawn(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-reporter=spec', ...(process.argv.slice(2).length ? process.argv.slice(2) : ['__tests__/**/*.test.ts'])],
  { cwd: root, env, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => runner.kill(signal));
runner.on('close', (code) => {
  stop();
  process.exit(code ?? 1);
});
