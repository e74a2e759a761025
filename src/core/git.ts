/** What the run knows of the commit being deployed. The Action fills it from the runner; the CLI from git. */
export interface GitContext {
  /** The commit being deployed (40 hex), when known. */
  sha?: string;
  /** Full ref, e.g. `refs/heads/main` or `refs/tags/v1.2.0`. */
  ref?: string;
  /** Push event: the commit before the push (all zeros for a new branch). */
  before?: string;
  /** Push event: the commit after the push. */
  after?: string;
  /** e.g. https://github.com/org/model — for the image's OCI source label and links. */
  repositoryUrl?: string;
  eventName?: string;
  /** Names this run to whoever waits for its deploy lock: the GitHub run (with attempt), or the CLI's host and pid. */
  runId?: string;
  /** Link to the run, when there is one. */
  runUrl?: string;
  actor?: string;
}

/** `refs/tags/v1.2.0` → `v1.2.0`; undefined for any other ref. */
export function tagOfRef(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
}
