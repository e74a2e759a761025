import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelMatches, lambdaVersionsIn, parseReleaseDescription, releaseDescription } from '../../../src/ground/release.ts';

const SHA = 'abc123def4567890abc123def4567890abc123de';

test('a description names the tag and the commit, and reads back', () => {
  assert.equal(releaseDescription({ commit: SHA }), `commit ${SHA}`);
  assert.equal(releaseDescription({ tag: 'v1.2.0', commit: SHA }), `tag v1.2.0 commit ${SHA}`);
  assert.deepEqual(parseReleaseDescription(`tag v1.2.0 commit ${SHA}`), { tag: 'v1.2.0', commit: SHA });
  assert.deepEqual(parseReleaseDescription(`${SHA} (commit ${SHA.slice(0, 12)})`), { commit: SHA.slice(0, 12) }, 'the older form');
});

test('a tag too long for the 256 characters AWS keeps is cut, the commit kept whole', () => {
  const description = releaseDescription({ tag: 'v'.repeat(400), commit: SHA });
  assert.ok(description.length <= 256, String(description.length));
  assert.equal(parseReleaseDescription(description).commit, SHA);
});

test('descriptions written by anyone else match nothing, and hostile ones end at once', () => {
  for (const text of [undefined, '', 'deployed by hand', 'tag', 'tag  commit ', 'commit xyz', `tag\nv1 commit ${SHA}`.replace('\n', '\u0000')]) {
    assert.equal(labelMatches(parseReleaseDescription(text), 'v1'), false, JSON.stringify(text));
  }
  const started = performance.now();
  parseReleaseDescription(`tag ${' '.repeat(100_000)}commit ${'a'.repeat(100_000)}`);
  parseReleaseDescription('commit '.repeat(50_000));
  assert.ok(performance.now() - started < 1000, 'linear parsing');
});

test('a commit matches in full or by a prefix of 7 or more hex digits, never by less', () => {
  const label = { commit: SHA };
  assert.equal(labelMatches(label, SHA), true);
  assert.equal(labelMatches(label, SHA.slice(0, 7)), true);
  assert.equal(labelMatches(label, SHA.slice(0, 6)), false);
  assert.equal(labelMatches(label, 'ABC123DEF'), false, 'git prints commits in lower case');
  assert.equal(labelMatches({ tag: 'v1' }, 'v1'), true);
});

test('the versions a definition calls: full, partial and short forms of that function only; broken JSON names none', () => {
  const definition = JSON.stringify({
    States: {
      A: { Parameters: { FunctionName: 'arn:aws:lambda:eu-west-3:123456789012:function:quetzal-paris:3' } },
      B: { Parameters: { FunctionName: '123456789012:function:quetzal-paris:4' } },
      C: { Parameters: { FunctionName: 'quetzal-paris:5' } },
      D: { Parameters: { FunctionName: 'quetzal-api-auth:6' } },
      E: { Parameters: { FunctionName: 'quetzal-paris:$LATEST' } },
    },
  });
  assert.deepEqual([...lambdaVersionsIn(definition, 'quetzal-paris')].sort(), ['3', '4', '5']);
  assert.deepEqual([...lambdaVersionsIn('{"States":', 'quetzal-paris')], []);
});
