/**
 * Keeps one pull-request comment per model folder through @actions/github's Octokit: found again by its hidden
 * marker among the comments the token itself wrote, updated in place, never duplicated. Importing @actions/github
 * loads undici: nothing imports this module statically (pull-request.ts loads it when a comment is made).
 */
import { getOctokit } from '@actions/github';

export interface CommentRequest {
  /** GITHUB_API_URL: GitHub Enterprise Server has its own. */
  apiUrl: string;
  token: string;
  owner: string;
  repo: string;
  issueNumber: number;
  /** The hidden line that marks the comment; `body` holds it. */
  marker: string;
  body: string;
}

export type CommentResult =
  | { kind: 'created' | 'updated' | 'unchanged'; id: number; url: string }
  /** 401, 403 or 404: the token may not read or write here (a pull request from a fork has a read-only one). */
  | { kind: 'refused'; status: number; message: string };

interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  user: { login: string; type: string } | null;
}

const REFUSALS = new Set([401, 403, 404]);

export async function upsertPullRequestComment(request: CommentRequest): Promise<CommentResult> {
  const octokit = getOctokit(request.token, { baseUrl: request.apiUrl });
  const where = { owner: request.owner, repo: request.repo };
  let call = 'listing the comments';
  try {
    const comments = (await octokit.paginate(octokit.rest.issues.listComments, { ...where, issue_number: request.issueNumber, per_page: 100 })) as IssueComment[];
    const marked = comments.filter((comment) => comment.body?.includes(request.marker));
    // Anyone may paste the marker: only a comment of the token's own counts. GITHUB_TOKEN and apps write as bots;
    // a personal token's login is asked only when a person's comment carries the marker.
    let own = marked.find((comment) => comment.user?.type === 'Bot');
    if (own === undefined && marked.some((comment) => comment.user?.type === 'User')) {
      const login = await octokit.rest.users.getAuthenticated().then(({ data }) => data.login, () => undefined);
      own = marked.find((comment) => login !== undefined && comment.user?.login === login);
    }
    if (own?.body === request.body) return { kind: 'unchanged', id: own.id, url: own.html_url };
    if (own !== undefined) {
      call = 'updating the comment';
      const { data } = await octokit.rest.issues.updateComment({ ...where, comment_id: own.id, body: request.body });
      return { kind: 'updated', id: data.id, url: data.html_url };
    }
    call = 'creating the comment';
    const { data } = await octokit.rest.issues.createComment({ ...where, issue_number: request.issueNumber, body: request.body });
    return { kind: 'created', id: data.id, url: data.html_url };
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    const message = error instanceof Error ? error.message : String(error);
    if (typeof status === 'number' && REFUSALS.has(status)) return { kind: 'refused', status, message };
    throw new Error(`GitHub answered ${typeof status === 'number' ? `HTTP ${status}` : 'with an error'} ${call}: ${message.split(request.token).join('***')}`, { cause: error });
  }
}
