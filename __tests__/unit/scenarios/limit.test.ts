/** Bounded concurrency: upload slots, and the budget of file bytes held in memory by uploads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Budget, Slots } from '../../../src/scenarios/limit.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Runs tasks that each hold `amount` for a few ticks; returns the most held at once and the order they started. */
async function holdAll(budget: Budget, amounts: number[]): Promise<{ peak: number; started: number[] }> {
  let held = 0;
  let peak = 0;
  const started: number[] = [];
  await Promise.all(
    amounts.map((amount, index) =>
      budget.run(amount, async () => {
        started.push(index);
        held += amount;
        peak = Math.max(peak, held);
        for (let i = 0; i < 3; i += 1) await tick();
        held -= amount;
      }),
    ),
  );
  return { peak, started };
}

test('a budget never lets more than its capacity be held, and starts waiting tasks in order', async () => {
  const { peak, started } = await holdAll(new Budget(100), [60, 30, 50, 10, 40]);
  assert.equal(peak, 100);
  assert.deepEqual(started, [0, 1, 2, 3, 4], 'the 10 waits behind the 50 rather than overtaking it');
});

test('an amount above the capacity runs alone instead of never', async () => {
  const { peak, started } = await holdAll(new Budget(100), [20, 250, 20]);
  assert.deepEqual(started, [0, 1, 2]);
  assert.equal(peak, 250);
});

test('a failing task gives its amount back', async () => {
  const budget = new Budget(10);
  await assert.rejects(budget.run(10, async () => {
    throw new Error('read failed');
  }), /read failed/);
  assert.equal(await budget.run(10, async () => 'ran'), 'ran');
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
