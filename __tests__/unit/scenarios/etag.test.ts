import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candidatePartSizes, compareEtag, hashBuffer, hashFile, MiB, parseEtag } from '../../../src/scenarios/etag.ts';

/** The multipart ETag as S3 computes it, written independently of the code under test. */
function s3MultipartEtag(content: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let offset = 0; offset < content.length; offset += partSize) {
    digests.push(createHash('md5').update(content.subarray(offset, offset + partSize)).digest());
  }
  return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}"`;
}

function content(size: number, seed = 1): Buffer {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) buffer.writeUInt32LE((i * 2654435761 + seed) >>> 0, Math.min(i, size - 4));
  return buffer;
}

const file21MB = content(21 * MiB + 12345);

test('a single-part ETag is the MD5 of the content', () => {
  const body = Buffer.from('o,d,v\n1,2,3\n');
  const etag = `"${createHash('md5').update(body).digest('hex')}"`;
  assert.equal(compareEtag(etag, body.length, { size: body.length, hashes: hashBuffer(body) }), 'same');
  const edited = Buffer.from('o,d,v\n1,2,4\n'); // same size
  assert.equal(compareEtag(etag, body.length, { size: edited.length, hashes: hashBuffer(edited) }), 'different');
});

test('a multipart ETag of the CLI (8 MiB parts) is recomputed and matched', () => {
  const etag = s3MultipartEtag(file21MB, 8 * MiB);
  assert.match(etag, /-3"$/);
  assert.deepEqual(candidatePartSizes(file21MB.length, 3), [8 * MiB]);
  const hashes = hashBuffer(file21MB, candidatePartSizes(file21MB.length, 3));
  assert.equal(compareEtag(etag, file21MB.length, { size: file21MB.length, hashes }), 'same');
});

test('a multipart ETag of lib-storage (5 MiB parts) is recomputed and matched', () => {
  const etag = s3MultipartEtag(file21MB, 5 * MiB);
  assert.match(etag, /-5"$/);
  assert.deepEqual(candidatePartSizes(file21MB.length, 5), [5 * MiB]);
  const hashes = hashBuffer(file21MB, [5 * MiB]);
  assert.equal(compareEtag(etag, file21MB.length, { size: file21MB.length, hashes }), 'same');
});

test('a same-size edit of a large file is seen through its multipart ETag', () => {
  const etag = s3MultipartEtag(file21MB, 8 * MiB);
  const edited = Buffer.from(file21MB);
  edited[20 * MiB] ^= 1;
  const verdict = compareEtag(etag, file21MB.length, { size: edited.length, hashes: hashBuffer(edited, [8 * MiB]) });
  assert.notEqual(verdict, 'same');
});

test('when both part sizes give the same number of parts, both are tried', () => {
  const body = content(10 * MiB, 7); // 2 parts of 8 MiB, or 2 of 5 MiB
  assert.deepEqual(candidatePartSizes(body.length, 2), [8 * MiB, 5 * MiB]);
  const hashes = hashBuffer(body, candidatePartSizes(body.length, 2));
  assert.equal(compareEtag(s3MultipartEtag(body, 5 * MiB), body.length, { size: body.length, hashes }), 'same');
  assert.equal(compareEtag(s3MultipartEtag(body, 8 * MiB), body.length, { size: body.length, hashes }), 'same');
});

test('a multipart ETag from an unknown part size cannot be decided', () => {
  const etag = s3MultipartEtag(file21MB, 16 * MiB); // 2 parts: no known part size gives 2 parts of 21 MiB
  assert.deepEqual(candidatePartSizes(file21MB.length, 2), []);
  assert.equal(compareEtag(etag, file21MB.length, { size: file21MB.length, hashes: hashBuffer(file21MB) }), 'unknown');
  assert.equal(compareEtag('"not-an-md5"', 3, { size: 3, hashes: hashBuffer(Buffer.from('abc')) }), 'unknown');
});

test('a file of exactly one part size and one byte more', () => {
  for (const size of [8 * MiB, 8 * MiB + 1, 5 * MiB]) {
    const body = content(size, 3);
    for (const partSize of [5 * MiB, 8 * MiB]) {
      const etag = s3MultipartEtag(body, partSize);
      const parts = Number(/-(\d+)"$/.exec(etag)![1]);
      const hashes = hashBuffer(body, candidatePartSizes(size, parts));
      assert.equal(compareEtag(etag, size, { size, hashes }), 'same', `${size} bytes in ${partSize / MiB} MiB parts`);
    }
  }
});

test('hashing a file as a stream gives the same hashes as hashing it in memory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'etag-'));
  try {
    const path = join(dir, 'big.bin');
    await writeFile(path, file21MB);
    const streamed = await hashFile(path, [5 * MiB, 8 * MiB]);
    const inMemory = hashBuffer(file21MB, [5 * MiB, 8 * MiB]);
    assert.equal(streamed.md5, createHash('md5').update(file21MB).digest('hex'));
    assert.deepEqual(streamed, inMemory);
    assert.equal(`"${streamed.multipart.get(8 * MiB)}"`, s3MultipartEtag(file21MB, 8 * MiB));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ETags are read quoted or not, in any case', () => {
  assert.deepEqual(parseEtag('"D41D8CD98F00B204E9800998ECF8427E"'), { kind: 'single', md5: 'd41d8cd98f00b204e9800998ecf8427e' });
  assert.deepEqual(parseEtag('d41d8cd98f00b204e9800998ecf8427e-12'), { kind: 'multipart', digest: 'd41d8cd98f00b204e9800998ecf8427e', parts: 12 });
});
