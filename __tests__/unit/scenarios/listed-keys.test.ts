/** Keys come back from a listing as S3 holds them, whatever characters they hold. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeListedKey } from '../../../src/scenarios/remote.ts';

test('a url-encoded key is decoded as the AWS CLI does (unquote_plus): + is a space, %2B a plus, %0D a carriage return', () => {
  assert.equal(decodeListedKey('base/a+b%2Bc%0Dd%E2%80%A8e.csv'), 'base/a b+c\rd\u2028e.csv');
  assert.equal(decodeListedKey('base/plain/key.csv'), 'base/plain/key.csv');
});
