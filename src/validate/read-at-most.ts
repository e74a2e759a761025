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

/**
 * A file's text, when it is at most `maxBytes` long: undefined when there is no such file (or it is a folder),
 * `tooLarge` (what was seen) past the limit, whatever size the file claims.
 */
export function readTextAtMost(file: string, maxBytes: number): { text?: string; tooLarge?: string } | undefined {
  let descriptor: number;
  try {
    descriptor = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw error;
  }
  try {
    const stats = fs.fstatSync(descriptor);
    if (stats.isDirectory()) return undefined;
    if (stats.size > maxBytes) return { tooLarge: `${stats.size} bytes` };
    const bytes = readAtMost(descriptor, maxBytes);
    if (bytes.length > maxBytes) return { tooLarge: `more than ${maxBytes} bytes` };
    return { text: bytes.toString('utf8') };
  } finally {
    fs.closeSync(descriptor);
  }
}
