import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { upsertPullRequestComment, type CommentRequest } from '../../../src/action/comment.ts';
import { startGitHubApi, type GitHubApiStandIn } from '../../helpers/github-api.ts';

const TOKEN = 'ghs_commentUnitTestToken';
const MARKER = '<!-- quetzal/deploy-action model=paris -->';

describe('one pull-request comment per model folder', () => {
  let api: GitHubApiStandIn;
  let request: (body: string, overrides?: Partial<CommentRequest>) => CommentRequest;
  before(async () => {
    api = await startGitHubApi({ token: TOKEN });
    request = (body, overrides = {}) => ({ apiUrl: api.url, token: TOKEN, owner: 'quetzal', repo: 'test-model', issueNumber: 7, marker: MARKER, body: `${MARKER}\n${body}`, ...overrides });
  });
  after(() => api.close());
  beforeEach(() => {
    api.comments.length = 0;
    api.calls.length = 0;
    for (const key of Object.keys(api.refuse)) delete api.refuse[key as keyof typeof api.refuse];
  });
  const writes = () => api.calls.filter((call) => call.method !== 'GET').map((call) => call.method);

  it('creates the comment, then updates that one in place', async () => {
    const first = await upsertPullRequestComment(request('first'));
    assert.equal(first.kind, 'created');
    const second = await upsertPullRequestComment(request('second'));
    assert.equal(second.kind, 'updated');
    assert.equal(api.comments.length, 1);
    assert.equal(api.comments[0].body, `${MARKER}\nsecond`);
    assert.deepEqual(writes(), ['POST', 'PATCH']);
    assert.equal(first.kind === 'created' && second.kind === 'updated' && first.id === second.id, true);
  });

  it('writes nothing when the body is the same', async () => {
    await upsertPullRequestComment(request('same'));
    const again = await upsertPullRequestComment(request('same'));
    assert.equal(again.kind, 'unchanged');
    assert.deepEqual(writes(), ['POST']);
  });

  it('never takes over a comment someone else pasted the marker into', async () => {
    const forged = api.seed(`${MARKER}\nforged verdict`, { login: 'mallory', type: 'User' }, 7);
    const result = await upsertPullRequestComment(request('ours'));
    assert.equal(result.kind, 'created');
    assert.equal(forged.body, `${MARKER}\nforged verdict`);
    assert.equal(api.comments.length, 2);
    assert.ok(api.calls.some((call) => call.path === '/user'), 'a person\'s marker makes it ask who the token is');
  });

  it('ignores the comment of another model folder, and comments on other pull requests', async () => {
    api.seed('<!-- quetzal/deploy-action model=lyon -->\nlyon', { login: 'github-actions[bot]', type: 'Bot' }, 7);
    api.seed(`${MARKER}\nother pull request`, { login: 'github-actions[bot]', type: 'Bot' }, 8);
    const result = await upsertPullRequestComment(request('paris'));
    assert.equal(result.kind, 'created');
    assert.equal(api.comments.filter((comment) => comment.issue === 7).length, 2);
    assert.equal(api.comments.find((comment) => comment.issue === 8)?.body, `${MARKER}\nother pull request`);
  });

  it('finds its comment on a later page', async () => {
    for (let index = 0; index < 250; index += 1) api.seed(`comment ${index}`, { login: 'reviewer', type: 'User' }, 7);
    const ours = api.seed(`${MARKER}\nold`, { login: 'github-actions[bot]', type: 'Bot' }, 7);
    const result = await upsertPullRequestComment(request('new'));
    assert.equal(result.kind, 'updated');
    assert.equal(ours.body, `${MARKER}\nnew`);
    assert.ok(api.calls.some((call) => call.method === 'GET' && /[?&]page=3\b/.test(call.path)), JSON.stringify(api.calls));
  });

  it('with a personal token, finds the person\'s own comment through GET /user', async () => {
    const personal = await startGitHubApi({ token: TOKEN, personalLogin: 'ada' });
    try {
      const ask = { ...request('mine'), apiUrl: personal.url };
      personal.seed(`${MARKER}\nforged`, { login: 'mallory', type: 'User' }, 7);
      assert.equal((await upsertPullRequestComment(ask)).kind, 'created');
      assert.equal((await upsertPullRequestComment({ ...ask, body: `${MARKER}\nmine again` })).kind, 'updated');
      assert.equal(personal.comments.length, 2);
      assert.equal(personal.comments.find((comment) => comment.user.login === 'ada')?.body, `${MARKER}\nmine again`);
      assert.equal(personal.comments.find((comment) => comment.user.login === 'mallory')?.body, `${MARKER}\nforged`);
    } finally {
      await personal.close();
    }
  });

  for (const call of ['list', 'create', 'update'] as const) {
    it(`takes a 403 on ${call} as a refusal, not an error, and writes nothing`, async () => {
      if (call === 'update') api.seed(`${MARKER}\nold`, { login: 'github-actions[bot]', type: 'Bot' }, 7);
      api.refuse[call] = 403;
      const result = await upsertPullRequestComment(request('x'));
      assert.equal(result.kind, 'refused');
      assert.ok(result.kind === 'refused' && result.status === 403 && /Resource not accessible by integration/.test(result.message));
      assert.equal(api.comments.filter((comment) => comment.body.endsWith('\nx')).length, 0);
    });
  }

  it('takes a bad token as a refusal (401)', async () => {
    const result = await upsertPullRequestComment({ ...request('x'), token: 'ghs_wrong' });
    assert.ok(result.kind === 'refused' && result.status === 401);
  });

  it('throws on a server error, naming the call and never the token', async () => {
    api.refuse.create = 500;
    await assert.rejects(upsertPullRequestComment(request('x')), (error: Error) => {
      assert.match(error.message, /HTTP 500 creating the comment/);
      assert.ok(!error.message.includes(TOKEN));
      return true;
    });
  });
});
