/** Bounded concurrency: upload slots, and the part buffers lent to uploads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool, Slots } from '../../../src/scenarios/limit.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a pool makes at most its count of buffers, reuses them, and lends them in order of asking', async () => {
  const pool = new BufferPool(3, 1024);
  const seen = new Set<Buffer>();
  let lent = 0;
  let peak = 0;
  const started: number[] = [];
  await Promise.all(
    Array.from({ length: 10 }, (_, index) =>
      pool.use(async (buffer) => {
        started.push(index);
        seen.add(buffer);
        assert.equal(buffer.length, 1024);
        lent += 1;
        peak = Math.max(peak, lent);
        for (let i = 0; i < 3; i += 1) await tick();
        lent -= 1;
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.equal(pool.made, 3);
  assert.equal(seen.size, 3, 'ten tasks, three buffers');
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('a failing task gives its buffer back', async () => {
  const pool = new BufferPool(1, 16);
  await assert.rejects(pool.use(async () => {
    throw new Error('read failed');
  }), /read failed/);
  assert.equal(await pool.use(async () => 'ran'), 'ran');
  assert.equal(pool.made, 1);
});

test('slots run at most their number of tasks at once', async () => {
  const slots = new Slots(2);
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 6 }, () =>
      slots.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await tick();
        running -= 1;
      }),
    ),
  );
  assert.equal(peak, 2);
});
