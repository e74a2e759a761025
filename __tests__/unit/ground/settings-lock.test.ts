import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../../src/ground/errors.ts';
import { DEFAULT_LOCK_TIMEOUT_MINUTES, DEFAULT_LOCK_TTL_MINUTES, parseLockSettings } from '../../../src/ground/settings/lock.ts';

describe('parseLockSettings', () => {
  const inputs = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  test('defaults: wait 15 minutes, TTL 10 minutes (a crashed run never makes the next one fail)', () => {
    assert.deepEqual(parseLockSettings(inputs({})), { timeoutMinutes: 15, ttlMinutes: 10 });
    assert.equal(DEFAULT_LOCK_TIMEOUT_MINUTES > DEFAULT_LOCK_TTL_MINUTES, true);
  });

  test('reads both inputs; 0 minutes of wait is allowed, fractions too', () => {
    assert.deepEqual(parseLockSettings(inputs({ 'lock-timeout-minutes': '0', 'lock-ttl-minutes': ' 2.5 ' })), { timeoutMinutes: 0, ttlMinutes: 2.5 });
  });

  test('bad values name the input and the accepted range', () => {
    assert.throws(() => parseLockSettings(inputs({ 'lock-timeout-minutes': 'soon' })), (error: Error) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /^Input `lock-timeout-minutes` is "soon": use a number of minutes from 0 to 360 \(default 15\)\.$/);
      assert.match(error.hint ?? '', /Use 0 to fail at once/);
      return true;
    });
    assert.throws(() => parseLockSettings(inputs({ 'lock-timeout-minutes': '-1' })), InputError);
    assert.throws(() => parseLockSettings(inputs({ 'lock-ttl-minutes': '0' })), /Input `lock-ttl-minutes` is "0": use a number of minutes from 1 to 360 \(default 10\)\.$/);
    assert.throws(() => parseLockSettings(inputs({ 'lock-ttl-minutes': '1000' })), InputError);
  });
});
