/**
 * The pull-request comment end to end: the bundled action, as a runner runs it on a pull-request event, against a
 * local stand-in of the GitHub REST endpoints it calls (reached through GITHUB_API_URL, as on GitHub Enterprise
 * Server) and, for the plan, the local AWS account.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, NO_AWS, copyModel, runAction, type ActionRun } from '../helpers/action.ts';
import { startGitHubApi, type GitHubApiStandIn } from '../helpers/github-api.ts';
import { startLocalAccount, type LocalAccount } from '../helpers/local-account.ts';
import { modelRepo } from '../helpers/model-repo.ts';

const TOKEN = 'ghs_pullRequestCommentToken0123456789';
const HEAD = 'b'.repeat(40);
const MARKER = '<!-- quetzal/deploy-action model=paris -->';

/** A `pull_request` event of pull request 7, as the runner writes it to GITHUB_EVENT_PATH. */
function pullRequestEvent(number = 7, head = 'quetzal/test-model'): Record<string, unknown> {
  return {
    action: 'synchronize',
    number,
    pull_request: { number, head: { sha: HEAD, ref: 'feature', repo: { full_name: head } }, base: { ref: 'main', repo: { full_name: 'quetzal/test-model' } } },
  };
}

function onPullRequest(api: GitHubApiStandIn, workspace: string, options: { inputs?: Record<string, string>; env?: Record<string, string | undefined>; event?: Record<string, unknown>; eventName?: string } = {}): Promise<ActionRun> {
  return runAction({
    workspace,
    eventName: options.eventName ?? 'pull_request',
    event: options.event ?? pullRequestEvent(),
    sha: 'c'.repeat(40),
    ref: 'refs/pull/7/merge',
    inputs: { 'model-folder': 'paris', 'github-token': TOKEN, ...options.inputs },
    env: { ...NO_AWS, GITHUB_API_URL: api.url, GITHUB_RUN_ID: '4242', ...options.env },
  });
}

const writes = (api: GitHubApiStandIn) => api.calls.filter((call) => call.method !== 'GET');

describe('the pull-request comment', () => {
  let api: GitHubApiStandIn;
  before(async () => {
    api = await startGitHubApi({ token: TOKEN, owner: 'quetzal', repo: 'test-model' });
  });
  after(() => api.close());

  it('is one comment per model folder: a second run updates it in place, with the new verdict', async () => {
    const { workspace, model } = copyModel(path.join(FIXTURES, 'paris'));
    const first = await onPullRequest(api, workspace);
    assert.equal(first.exitCode, 0, first.stdout + first.stderr);
    assert.equal(api.comments.length, 1);
    const [comment] = api.comments;
    assert.equal(comment.issue, 7);
    assert.ok(comment.body.startsWith(MARKER), comment.body.slice(0, 200));
    assert.match(comment.body, /## Quetzal deploy — validate · `paris`/);
    assert.match(comment.body, /✅ Success/);
    assert.match(comment.body, /```mermaid\nflowchart TD\n/);
    assert.match(first.stdout, new RegExp(`Pull-request comment created: ${comment.html_url.replace(/[.?]/g, '\\$&')}`));

    // The pull request's next push breaks a Next: the same comment now says so, with a link to the line.
    const definition = path.join(model, 'step-functions.json');
    const text = fs.readFileSync(definition, 'utf8');
    const broken = text.replace('"Next": "STEP 1"', '"Next": "STEP 9"');
    assert.notEqual(broken, text);
    fs.writeFileSync(definition, broken);
    const line = broken.split('\n').findIndex((row) => row.includes('"STEP 9"')) + 1;
    const second = await onPullRequest(api, workspace);
    assert.equal(second.exitCode, 1, 'the verdict fails the check; the comment is still written');
    assert.equal(api.comments.length, 1, 'updated, not duplicated');
    assert.equal(api.comments[0].id, comment.id);
    const body = api.comments[0].body;
    assert.match(body, /❌ Validation found \d+ errors?\./);
    assert.ok(body.includes(`(https://github.com/quetzal/test-model/blob/${HEAD}/paris/step-functions.json#L${line})`), 'the finding links to its line at the head commit');
    assert.match(body, /classDef error /, 'the state with the error is marked on the picture');
    assert.match(second.stdout, /Pull-request comment updated: /);
    assert.deepEqual(writes(api).map((call) => call.method), ['POST', 'PATCH']);
  });

  it('makes no call to GitHub on a push', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    const calls = api.calls.length;
    const run = await onPullRequest(api, workspace, { eventName: 'push', event: { before: 'd'.repeat(40), after: 'c'.repeat(40) }, inputs: { mode: 'validate' } });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(api.calls.length, calls);
  });

  it('makes no call with `comment: never`', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    const calls = api.calls.length;
    const run = await onPullRequest(api, workspace, { inputs: { comment: 'never' }, event: pullRequestEvent(8) });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(api.calls.length, calls);
  });

  it('takes a refusal (a token that may not write) as a notice, and the check passes', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    api.refuse.create = 403;
    try {
      const run = await onPullRequest(api, workspace, { event: pullRequestEvent(9) });
      assert.equal(run.exitCode, 0, run.stdout);
      const notice = run.annotations.find((annotation) => annotation.level === 'notice' && /refused the pull-request comment/.test(annotation.message));
      assert.ok(notice, run.stdout);
      assert.match(notice.message, /HTTP 403/);
      assert.match(notice.message, /pull-requests: write/);
      assert.equal(api.comments.filter((comment) => comment.issue === 9).length, 0);

      const always = await onPullRequest(api, workspace, { event: pullRequestEvent(9), inputs: { comment: 'always' } });
      assert.equal(always.exitCode, 1, '`comment: always` fails the step on a refusal');
      assert.match(always.stdout, /::error::GitHub refused the pull-request comment \(HTTP 403/);
    } finally {
      delete api.refuse.create;
    }
  });

  it('does not try on a pull request from a fork, whose token may only read', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    const calls = api.calls.length;
    const run = await onPullRequest(api, workspace, { event: pullRequestEvent(10, 'someone/test-model') });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(api.calls.length, calls);
    assert.ok(run.annotations.some((annotation) => annotation.level === 'notice' && /from a fork/.test(annotation.message)));
  });

  it('never prints the token, and masks it', async () => {
    const { workspace } = copyModel(path.join(FIXTURES, 'paris'));
    const run = await onPullRequest(api, workspace, { event: pullRequestEvent(11) });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.ok(run.masks.includes(TOKEN));
    assert.ok(!(run.stdout.split(`::add-mask::${TOKEN}`).join('') + run.stderr + run.summary).includes(TOKEN));
    assert.ok(!api.comments.some((comment) => comment.body.includes(TOKEN)));
  });
});

describe('the pull-request comment of a plan, on the local AWS account', () => {
  let account: LocalAccount;
  let api: GitHubApiStandIn;
  const name = `qprc-${process.pid}`;
  before(async () => {
    account = await startLocalAccount();
    await account.provisionModel(name);
    api = await startGitHubApi({ token: TOKEN, owner: 'quetzal', repo: 'test-model' });
  });
  after(async () => {
    await api?.close();
    await account?.stop();
  });

  it('holds the plan: the image to build, the Lambda, the definition diff folded and the changed states marked', async () => {
    const repo = modelRepo();
    const inputs = { 'model-folder': 'quetzal-example', 'ecr-repository': name, 'lambda-function': name, bucket: name, 'github-token': TOKEN };
    const sha = repo.commit('first model');
    const deployed = await runAction({ workspace: repo.workspace, eventName: 'push', sha, inputs: { ...inputs, steps: 'image,lambda,state-machine' }, env: account.env });
    assert.equal(deployed.exitCode, 0, deployed.stdout);

    // The pull request changes one state's retry.
    const definition = path.join(repo.model, 'step-functions.json');
    const text = fs.readFileSync(definition, 'utf8');
    fs.writeFileSync(definition, text.replace('"MaxAttempts": 4', '"MaxAttempts": 5'));
    const head = repo.commit('more retries');
    const plan = await runAction({
      workspace: repo.workspace,
      eventName: 'pull_request',
      event: { number: 12, pull_request: { number: 12, head: { sha: head, repo: { full_name: 'quetzal/test-model' } }, base: { repo: { full_name: 'quetzal/test-model' } } } },
      sha: head,
      ref: 'refs/pull/12/merge',
      inputs: { ...inputs, mode: 'plan', steps: 'image,lambda,state-machine' },
      env: { ...account.env, GITHUB_API_URL: api.url },
    });
    assert.equal(plan.exitCode, 0, plan.stdout + plan.stderr);
    const [comment] = api.comments.filter((candidate) => candidate.issue === 12);
    assert.ok(comment, 'one comment on pull request 12');
    const body = comment.body;
    assert.ok(body.startsWith('<!-- quetzal/deploy-action model=quetzal-example -->'));
    assert.match(body, /## Quetzal deploy — plan · `quetzal-example`/);
    assert.match(body, /### image: would build and push/);
    assert.match(body, /### lambda: would update/);
    assert.match(body, /### state-machine: would update/);
    assert.match(body, /<details><summary>state-machine: the full list<\/summary>/);
    assert.match(body, /MaxAttempts/);
    assert.match(body, /classDef changed /);
    // Only the state whose retry changed is marked changed (every task moving to the new Lambda version is not).
    const changed = /^ {4}class (\S+) changed$/m.exec(body) ?? /^\s*class (\S+) changed$/m.exec(body);
    assert.ok(changed, body);
    assert.equal(changed[1].split(',').length, 1, changed[0]);
  });
});
