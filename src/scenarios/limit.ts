/** Bounded memory and concurrency: slots shared by several loops, a fixed set of buffers lent to them, a small heap. */
import v8 from 'node:v8';

/**
 * Puts V8 in its memory saver mode (it collects sooner and grows the heap less) for the rest of the run, from the
 * sync's plan on. Listings, records and requests leave objects that outlive a young-generation collection; with
 * V8's default heap growth, a sync of 10,000 files held a heap of 160 MB around a live one of 30 MB, and a re-sync of
 * 20,000 files peaked at 275 MB of memory (165 MB in this mode). The figures: bench/README.md.
 */
export function keepHeapSmall(): void {
  v8.setFlagsFromString('--memory-saver-mode');
}

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

/** A fixed set of equal buffers, lent one at a time, in order of asking. */
export class BufferPool {
  readonly #free: Buffer[] = [];
  readonly #waiting: Array<(buffer: Buffer) => void> = [];
  #made = 0;
  readonly #count: number;
  readonly #size: number;
  constructor(count: number, size: number) {
    this.#count = count;
    this.#size = size;
  }
  /** How many buffers exist so far (at most the count given). */
  get made(): number {
    return this.#made;
  }
  async use<T>(task: (buffer: Buffer) => Promise<T>): Promise<T> {
    let buffer = this.#free.pop();
    if (!buffer && this.#made < this.#count) {
      this.#made += 1;
      buffer = Buffer.allocUnsafeSlow(this.#size);
    }
    buffer ??= await new Promise<Buffer>((resolve) => this.#waiting.push(resolve));
    try {
      return await task(buffer);
    } finally {
      const next = this.#waiting.shift();
      if (next) next(buffer);
      else this.#free.push(buffer);
    }
  }
}
