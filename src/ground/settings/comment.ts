import { getChoice, type InputGetter } from '../inputs.ts';

/**
 * The pull-request comment (inputs `comment` and `github-token`): `auto` comments on pull-request events and takes
 * a refusal (a token that may not write, as on a pull request from a fork) as a notice; `always` comments on
 * pull-request events and fails the step when GitHub refuses; `never` makes no call to GitHub.
 */
export type CommentWhen = 'auto' | 'always' | 'never';

export interface CommentSettings {
  when: CommentWhen;
  /** The token the comment is written with; undefined when not set (then no comment is made). A secret. */
  token?: string;
}

export function parseCommentSettings(get: InputGetter): CommentSettings {
  const when = getChoice(get, 'comment', ['auto', 'always', 'never'] as const, 'auto');
  const token = get('github-token').trim();
  return { when, token: token === '' ? undefined : token };
}
