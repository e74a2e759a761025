/** Bounded concurrency: slots shared by several loops, and a fixed set of buffers lent to them. */

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
