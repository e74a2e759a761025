/** The lock object as the lock reads it: a body anyone with write access to the bucket may forge. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeHolder, holderTtlSeconds, parseBody, safeHoldSeconds } from '../../../src/lock/index.ts';

describe('describeHolder', () => {
  test('names the run, commit, actor and link', () => {
    const body = { version: 1, token: 't', runId: '42-1', sha: '1a2b3c4d5e6f7a8b', actor: 'alice', url: 'https://x/42', startedAt: '2025-01-01T10:00:00.000Z', renewedAt: '', expiresAt: '', ttlSeconds: 600 } as const;
    assert.equal(describeHolder(body), 'run 42-1 (commit 1a2b3c4d5e6f, by alice, https://x/42) since 2025-01-01T10:00:00.000Z');
    assert.match(describeHolder(undefined), /unknown holder/);
  });
});

describe('a lock body read from the bucket is foreign input', () => {
  const forged = (fields: Record<string, unknown>) =>
    JSON.stringify({ version: 1, token: 't', runId: 'r', startedAt: '2025-01-01T10:00:00.000Z', renewedAt: '', expiresAt: '', ttlSeconds: 600, ...fields });

  test('a TTL counts only as a finite number of seconds from 1 s to 24 h', () => {
    assert.equal(holderTtlSeconds(600), 600);
    assert.equal(holderTtlSeconds(1), 1);
    assert.equal(holderTtlSeconds(86_400), 86_400);
    for (const bad of [1e12, 86_401, -5, 0, 0.5, Infinity, -Infinity, Number.NaN, '600', null, undefined, [600], { ttl: 600 }]) {
      assert.equal(holderTtlSeconds(bad), undefined, String(bad));
    }
    assert.equal(parseBody(forged({ ttlSeconds: 1e12 }))?.ttlSeconds, undefined);
    assert.equal(parseBody('{"version":1,"token":"t","runId":"r","ttlSeconds":1e400}')?.ttlSeconds, undefined, 'JSON 1e400 is Infinity');
    assert.equal(parseBody(forged({ ttlSeconds: -5 }))?.ttlSeconds, undefined);
    assert.equal(parseBody(forged({ ttlSeconds: '600' }))?.ttlSeconds, undefined);
    assert.equal(parseBody(forged({}))?.ttlSeconds, 600);
  });

  test('texts are strings cut to 200 characters; other types are dropped; no run id or token: an unknown holder', () => {
    const body = parseBody(forged({ runId: 'r'.repeat(5000), actor: { toString: 'x' }, url: 12345, sha: ['abc'], startedAt: 's'.repeat(300) }));
    assert.ok(body);
    assert.equal(body.runId, `${'r'.repeat(200)}…`);
    assert.equal(body.startedAt, `${'s'.repeat(200)}…`);
    assert.equal('actor' in body || 'url' in body || 'sha' in body, false);
    assert.ok(describeHolder(body).length < 500, describeHolder(body));
    assert.equal(parseBody(forged({ runId: 42 })), undefined);
    assert.equal(parseBody(forged({ token: { id: 1 } })), undefined);
    assert.equal(parseBody(forged({ version: 2 })), undefined);
    assert.equal(parseBody('[1]'), undefined);
    assert.equal(parseBody('null'), undefined);
    assert.equal(parseBody('"text"'), undefined);
    assert.equal(parseBody(forged({ startedAt: 7 }))?.startedAt, '(unknown time)');
  });

  test('the margin: a fifth of the TTL, at least 5 s, at most half of it', () => {
    assert.equal(safeHoldSeconds(600), 480);
    assert.equal(safeHoldSeconds(60), 48);
    assert.equal(safeHoldSeconds(20), 15);
    assert.equal(safeHoldSeconds(6), 3);
    assert.equal(safeHoldSeconds(2), 1);
  });
});
