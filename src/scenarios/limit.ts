/** Bounded concurrency: slots shared by several loops, and a budget of bytes held in memory. */

/** A counter of free slots shared by several concurrent loops (uploads of every scenario share one limit). */
export class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const waiter = this.#waiting.shift();
      if (waiter) waiter();
      else this.#free += 1;
    }
  }
}

/**
 * At most `capacity` units (bytes) held at once by the tasks it runs; a task waits, in order, until its amount is
 * free. An amount above the capacity is counted as the whole capacity, so that it runs alone rather than never.
 */
export class Budget {
  #free: number;
  readonly #capacity: number;
  readonly #waiting: Array<{ amount: number; resume: () => void }> = [];
  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#free = capacity;
  }
  async run<T>(amount: number, task: () => Promise<T>): Promise<T> {
    const needed = Math.min(Math.max(amount, 0), this.#capacity);
    if (this.#waiting.length === 0 && this.#free >= needed) this.#free -= needed;
    else await new Promise<void>((resume) => this.#waiting.push({ amount: needed, resume }));
    try {
      return await task();
    } finally {
      this.#free += needed;
      while (this.#waiting.length > 0 && this.#free >= this.#waiting[0].amount) {
        const next = this.#waiting.shift()!;
        this.#free -= next.amount;
        next.resume();
      }
    }
  }
}
