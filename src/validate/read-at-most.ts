import fs from 'node:fs';

/**
 * Up to `maxBytes + 1` bytes of an open file, whatever size it claims (a link to /dev/zero claims 0): one byte
 * more than the limit says the file is too large, and nothing past it is ever read.
 */
export function readAtMost(descriptor: number, maxBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(maxBytes + 1);
  let length = 0;
  while (length < buffer.length) {
    const read = fs.readSync(descriptor, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
  }
  return buffer.subarray(0, length);
}
