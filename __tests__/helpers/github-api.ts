/**
 * A local stand-in of the few GitHub REST endpoints the pull-request comment calls, on 127.0.0.1: list an issue's
 * comments (paginated with a Link header, as GitHub does), create one, update one, and GET /user. Every request must
 * carry the token; answers can be made refusals to test a token that may not write.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredComment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
  issue: number;
  html_url: string;
}

export interface GitHubApiStandIn {
  url: string;
  comments: StoredComment[];
  /** Every request, in order: method and path with its query. */
  calls: Array<{ method: string; path: string }>;
  /** Answer that call with this status instead (403: "Resource not accessible by integration"). */
  refuse: Partial<Record<'list' | 'create' | 'update', number>>;
  /** A comment written by someone, as it would be on GitHub. */
  seed(body: string, user: StoredComment['user'], issue: number): StoredComment;
  close(): Promise<void>;
}

export async function startGitHubApi(options: { token: string; owner?: string; repo?: string; pageSize?: number; personalLogin?: string }): Promise<GitHubApiStandIn> {
  const owner = options.owner ?? 'quetzal';
  const repo = options.repo ?? 'test-model';
  const pageSize = options.pageSize ?? 100;
  let nextId = 1000;
  const author: StoredComment['user'] = options.personalLogin ? { login: options.personalLogin, type: 'User' } : { login: 'github-actions[bot]', type: 'Bot' };
  const standIn: Omit<GitHubApiStandIn, 'url' | 'close'> = {
    comments: [],
    calls: [],
    refuse: {},
    seed(body, user, issue) {
      const id = nextId++;
      const comment = { id, body, user, issue, html_url: `https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${id}` };
      standIn.comments.push(comment);
      return comment;
    },
  };
  const send = (response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(body));
  };
  const server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const method = request.method ?? 'GET';
      const url = new URL(request.url ?? '/', 'http://stand-in');
      standIn.calls.push({ method, path: `${url.pathname}${url.search}` });
      const authorization = request.headers.authorization ?? '';
      if (authorization !== `token ${options.token}` && authorization !== `Bearer ${options.token}`) {
        return send(response, 401, { message: 'Bad credentials' });
      }
      const refused = (call: 'list' | 'create' | 'update') => {
        const status = standIn.refuse[call];
        if (status !== undefined) send(response, status, { message: 'Resource not accessible by integration' });
        return status !== undefined;
      };
      const base = `/repos/${owner}/${repo}`;
      const list = new RegExp(`^${base}/issues/(\\d+)/comments$`).exec(url.pathname);
      const one = new RegExp(`^${base}/issues/comments/(\\d+)$`).exec(url.pathname);
      if (url.pathname === '/user' && method === 'GET') {
        if (options.personalLogin) return send(response, 200, { login: options.personalLogin, type: 'User' });
        return send(response, 403, { message: 'Resource not accessible by integration' });
      }
      if (list && method === 'GET') {
        if (refused('list')) return;
        const issue = Number(list[1]);
        const perPage = Math.min(pageSize, Number(url.searchParams.get('per_page') ?? 30));
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = standIn.comments.filter((comment) => comment.issue === issue).sort((a, b) => a.id - b.id);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const address = (server.address() as AddressInfo).port;
          headers.link = `<http://127.0.0.1:${address}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
        }
        return send(response, 200, all.slice((page - 1) * perPage, page * perPage), headers);
      }
      if (list && method === 'POST') {
        if (refused('create')) return;
        const { body } = JSON.parse(text) as { body: string };
        if (body.length > 65_536) return send(response, 422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' });
        return send(response, 201, standIn.seed(body, author, Number(list[1])));
      }
      if (one && method === 'PATCH') {
        if (refused('update')) return;
        const comment = standIn.comments.find((candidate) => candidate.id === Number(one[1]));
        if (!comment) return send(response, 404, { message: 'Not Found' });
        const { body } = JSON.parse(text) as { body: string };
        if (body.length > 65_536) return send(response, 422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' });
        comment.body = body;
        return send(response, 200, comment);
      }
      return send(response, 404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...standIn,
    // The same arrays: tests read and change them while the server runs.
    comments: standIn.comments,
    calls: standIn.calls,
    refuse: standIn.refuse,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
