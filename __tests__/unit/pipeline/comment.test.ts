import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { COMMENT_LIMIT, commentMarker, renderComment, type CommentPlace } from '../../../src/pipeline/comment.ts';
import type { RunResult } from '../../../src/pipeline/run.ts';

const workspace = path.resolve('/runner/work/model');
const file = (name: string) => path.join(workspace, 'paris', name);
const DEFINITION = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } } }, null, 2);

function result(overrides: Partial<RunResult> = {}): RunResult {
  return {
    mode: 'plan',
    validation: {
      findings: [
        { severity: 'error', rule: 'asl/next-target', file: file('step-functions.json'), line: 3, column: 9, message: 'Next goes to "C".' },
        { severity: 'warning', rule: 'input/x', file: '', message: 'An input.' },
      ],
      names: {},
      definitionText: DEFINITION,
    },
    kind: { value: 'lambda', source: 'it has step-functions.json' },
    definitionFile: file('step-functions.json'),
    steps: [
      { step: 'state-machine', status: 'would update', details: [['Definition', 'differs']], outputs: {}, markdown: '```diff\n- $.States.A.Next: "B"\n+ $.States.A.Next: "C"\n```' },
    ],
    outputs: {},
    seconds: 1.5,
    ...overrides,
  };
}

const place: CommentPlace = {
  workspace,
  version: '1.2.3',
  modelFolder: 'paris',
  blobUrl: 'https://github.com/quetzal/paris/blob/' + 'b'.repeat(40),
  runUrl: 'https://github.com/quetzal/paris/actions/runs/42',
};

describe('the pull-request comment text', () => {
  it('starts with the hidden marker of its model folder, which no folder name can close', () => {
    assert.equal(commentMarker('models/paris'), '<!-- quetzal/deploy-action model=models%2Fparis -->');
    assert.equal(commentMarker('a-->b <x>'), '<!-- quetzal/deploy-action model=a--%3Eb%20%3Cx%3E -->');
    assert.ok(renderComment(result(), place).startsWith(`${commentMarker('paris')}\n## Quetzal deploy — plan · \`paris\``));
  });

  it('links each finding in a file to its line at the head commit; an input finding has no link', () => {
    const body = renderComment(result(), place);
    assert.ok(body.includes(`[\`paris/step-functions.json:3:9\`](${place.blobUrl}/paris/step-functions.json#L3)`), body);
    assert.match(body, /\| `\(inputs\)` \| An input\. \|/);
  });

  it('encodes the path of the link: a file name cannot end it or add a query', () => {
    const hostile = result();
    hostile.validation.findings = [{ severity: 'warning', rule: 'model/x', file: path.join(workspace, 'paris', 'a) b?#.json'), line: 2, message: 'x' }];
    const body = renderComment(hostile, place);
    assert.ok(body.includes(`(${place.blobUrl}/paris/a)%20b%3F%23.json#L2)`), body);
  });

  it('folds the step lists in <details> and keeps the picture', () => {
    const body = renderComment(result(), place);
    assert.match(body, /<details><summary>state-machine: the full list<\/summary>\n\n```diff\n- \$\.States\.A\.Next: "B"/);
    assert.match(body, /```mermaid\nflowchart TD\n/);
  });

  it('fits GitHub\'s limit: the lists go first, then the picture, then the tail, and it says so with the run\'s link', () => {
    const long = result({ steps: [{ step: 'scenarios', status: 'would sync', details: [], outputs: {}, markdown: 'x'.repeat(COMMENT_LIMIT) }] });
    const withoutLists = renderComment(long, place);
    assert.ok(withoutLists.length <= COMMENT_LIMIT);
    assert.doesNotMatch(withoutLists, /xxxx/);
    assert.match(withoutLists, /```mermaid/);
    assert.match(withoutLists, /Cut to GitHub's comment size limit: the whole report is in the \[run's job summary\]\(https:\/\/github\.com\/quetzal\/paris\/actions\/runs\/42\)/);

    const manyFindings = result();
    manyFindings.validation.findings = Array.from({ length: 3000 }, (_, index) => ({ severity: 'warning' as const, rule: 'model/x', file: file('step-functions.json'), line: index + 1, message: `Finding number ${index}.` }));
    const cut = renderComment(manyFindings, place);
    assert.ok(cut.length <= COMMENT_LIMIT, String(cut.length));
    assert.doesNotMatch(cut, /```mermaid/, 'the picture went before the tail');
    assert.match(cut, /Finding number 0\./);
    assert.doesNotMatch(cut, /Finding number 2999\./);
    assert.match(cut, /Cut to GitHub's comment size limit/);
  });
});
