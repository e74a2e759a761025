/** The lock object: what this action writes in it, and what it makes of one read from the bucket (foreign input). */
import { clip, printable } from '../ground/printable.ts';

/**
 * A lock read from the bucket is foreign input: its TTL counts only from 1 s to 24 h (else ours is used, so a
 * forged 1e12 cannot block deploys forever nor a negative one make every lock look expired), each text shown from
 * it is cut to 200 characters, and a lock object larger than 64 KiB is not read at all (an unknown holder).
 */
export const MIN_HOLDER_TTL_SECONDS = 1;
export const MAX_HOLDER_TTL_SECONDS = 24 * 3600;
const MAX_FIELD_LENGTH = 200;
export const MAX_LOCK_BYTES = 64 * 1024;

export interface LockOwner {
  /** GitHub run id (GITHUB_RUN_ID, with the attempt: `123456-2`), or any id naming this run. */
  runId: string;
  sha?: string;
  actor?: string;
  /** Link to the run, shown to whoever waits. */
  url?: string;
}

/** What the lock object holds. */
export interface LockBody {
  version: 1;
  /** Random id of this acquisition (tells our own writes from others'). */
  token: string;
  runId: string;
  sha?: string;
  actor?: string;
  url?: string;
  /** When this run took the lock (ISO 8601, the holder's clock). */
  startedAt: string;
  /** Last heartbeat (holder's clock). */
  renewedAt: string;
  /** renewedAt + ttlSeconds (holder's clock; shown to people, S3's clock decides). */
  expiresAt: string;
  ttlSeconds: number;
}

/** A lock body as read from the bucket: every text bounded, the TTL only when within bounds. */
export type HolderBody = Omit<LockBody, 'ttlSeconds'> & { ttlSeconds?: number };

/** Who holds a lock, in words: `run 42 (commit 1a2b3c4, by alice, https://...) since 2025-01-01T10:00:00Z`. */
export function describeHolder(body: HolderBody | undefined): string {
  if (!body) return 'an unknown holder (the lock object is not one this action wrote)';
  const details = [body.sha ? `commit ${body.sha.slice(0, 12)}` : '', body.actor ? `by ${body.actor}` : '', body.url ?? ''].filter(Boolean);
  return `run ${body.runId}${details.length ? ` (${details.join(', ')})` : ''} since ${body.startedAt}`;
}

/** A holder field as the lock object gave it: a string, cut to 200 characters and made one printable line (it is shown). */
function boundedText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return printable(clip(value, MAX_FIELD_LENGTH));
}

/** The holder's TTL when it is a number of seconds within bounds; undefined otherwise (ours is used then). */
export function holderTtlSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= MIN_HOLDER_TTL_SECONDS && value <= MAX_HOLDER_TTL_SECONDS ? value : undefined;
}

/**
 * A lock body read from the bucket, which anyone who may write there can forge: understood when it is a version 1
 * body with a string token and run id; every text kept is a bounded string, anything else is dropped.
 */
export function parseBody(text: string): HolderBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // not JSON: an unknown holder
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const raw = value as Record<string, unknown>;
  const runId = boundedText(raw.runId);
  if (raw.version !== 1 || typeof raw.token !== 'string' || runId === undefined) return undefined;
  const body: HolderBody = {
    version: 1,
    token: raw.token,
    runId,
    startedAt: boundedText(raw.startedAt) ?? '(unknown time)',
    renewedAt: boundedText(raw.renewedAt) ?? '',
    expiresAt: boundedText(raw.expiresAt) ?? '',
  };
  for (const field of ['sha', 'actor', 'url'] as const) {
    const text = boundedText(raw[field]);
    if (text) body[field] = text;
  }
  const ttlSeconds = holderTtlSeconds(raw.ttlSeconds);
  if (ttlSeconds !== undefined) body.ttlSeconds = ttlSeconds;
  return body;
}

/** The body this run writes when it takes the lock: the owner's fields bounded as any reader will bound them. */
export function ownBody(owner: LockOwner, token: string, startedAt: Date, ttlSeconds: number): LockBody {
  return stamped(
    {
      version: 1,
      token,
      runId: boundedText(owner.runId) ?? '',
      ...(owner.sha ? { sha: boundedText(owner.sha) } : {}),
      ...(owner.actor ? { actor: boundedText(owner.actor) } : {}),
      ...(owner.url ? { url: boundedText(owner.url) } : {}),
      startedAt: startedAt.toISOString(),
      renewedAt: '',
      expiresAt: '',
      ttlSeconds,
    },
    new Date(),
  );
}

/** The body written at `now`: renewed then, expiring its TTL later (both on the holder's clock). */
export function stamped(body: LockBody, now: Date): LockBody {
  return { ...body, renewedAt: now.toISOString(), expiresAt: new Date(now.getTime() + body.ttlSeconds * 1000).toISOString() };
}
