/** heldLogger: what a task started early logs waits for its heading; secrets are never held back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldLogger, type Logger } from '../../../src/ground/logger.ts';

function recordingLogger(lines: string[]): Logger {
  return {
    info: (message) => lines.push(`info ${message}`),
    warning: (message) => lines.push(`warning ${message}`),
    debug: (message) => lines.push(`debug ${message}`),
    secret: (value) => lines.push(`secret ${value}`),
    group: async (title, task) => {
      lines.push(`group ${title}`);
      return task();
    },
  };
}

test('messages wait until release, in order, then pass straight through; secrets are marked at once', () => {
  const lines: string[] = [];
  const held = heldLogger(recordingLogger(lines));
  held.info('planned');
  held.warning('locked scenario');
  held.secret('token');
  held.debug('compared in 3 ms');
  assert.deepEqual(lines, ['secret token']);
  lines.push('info Plan (read-only)');
  held.release();
  held.info('after');
  assert.deepEqual(lines, ['secret token', 'info Plan (read-only)', 'info planned', 'warning locked scenario', 'debug compared in 3 ms', 'info after']);
  held.release(); // a second release changes nothing
  assert.equal(lines.length, 6);
});
