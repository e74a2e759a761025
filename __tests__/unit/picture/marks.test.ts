import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../../src/ground/findings.ts';
import { findingMarks, stateChanges, stateKey } from '../../../src/picture/index.ts';

const FILE = '/work/model/step-functions.json';
const TEXT = `{
  "StartAt": "A",
  "States": {
    "A": {
      "Type": "Pass",
      "Next": "G"
    },
    "G": {
      "Type": "Parallel",
      "Branches": [
        {
          "StartAt": "B",
          "States": {
            "B": { "Type": "Pass", "End": true }
          }
        }
      ],
      "End": true
    }
  }
}`;
const lineOf = (text: string) => TEXT.split('\n').findIndex((line) => line.includes(text)) + 1;
const finding = (severity: Finding['severity'], line: number, file = FILE): Finding => ({ severity, line, file, rule: 'x/y', message: 'm' });

describe('the marks of findings', () => {
  it('marks the state whose lines hold the finding, its name line included', () => {
    const marks = findingMarks(TEXT, [finding('error', lineOf('"Next": "G"')), finding('warning', lineOf('"G": {'))], FILE);
    assert.deepEqual([...marks], [[stateKey(['A']), 'error'], [stateKey(['G']), 'warning']]);
  });

  it('marks the innermost state: a finding inside a branch marks the branch\'s state, not the Parallel', () => {
    const marks = findingMarks(TEXT, [finding('warning', lineOf('"B": {'))], FILE);
    assert.deepEqual([...marks], [[stateKey(['G', 'branch 1', 'B']), 'warning']]);
  });

  it('an error wins over a warning on the same state; notices, other files and lines outside states mark nothing', () => {
    const marks = findingMarks(TEXT, [
      finding('warning', lineOf('"Type": "Pass",')),
      finding('error', lineOf('"Next": "G"')),
      finding('warning', lineOf('"Next": "G"')),
      finding('notice', lineOf('"End": true\n') || lineOf('"End": true')),
      finding('error', lineOf('"B": {'), '/work/model/.env'),
      finding('error', lineOf('"StartAt": "A"')),
      { severity: 'error', file: FILE, rule: 'x/y', message: 'no line' },
    ], FILE);
    assert.deepEqual([...marks], [[stateKey(['A']), 'error']]);
  });

  it('reads a definition that does not parse as far as it goes', () => {
    const broken = TEXT.slice(0, TEXT.indexOf('"G": {') + 8);
    assert.deepEqual([...findingMarks(broken, [finding('error', lineOf('"Next": "G"'))], FILE)], [[stateKey(['A']), 'error']]);
    assert.deepEqual([...findingMarks('', [finding('error', 1)], FILE)], []);
  });
});

/** A copy of a definition that a test changes anywhere. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests reach into any part of the definition
type Plan = any;

describe('the changes of a plan', () => {
  const deployed = {
    StartAt: 'A',
    States: {
      A: { Type: 'Pass', Next: 'G' },
      G: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }] },
      Old: { Type: 'Succeed' },
    },
  };

  it('marks added and changed states, and lists the removed ones by name', () => {
    const planned = structuredClone(deployed) as Plan;
    planned.States.A.Comment = 'more';
    delete planned.States.Old;
    planned.States.New = { Type: 'Succeed' };
    const { marks, removed } = stateChanges(deployed, planned);
    assert.deepEqual([...marks], [[stateKey(['A']), 'changed'], [stateKey(['New']), 'added']]);
    assert.deepEqual(removed, [{ key: stateKey(['Old']), name: 'Old' }]);
  });

  it('a change inside a branch marks the state inside, not the Parallel around it', () => {
    const planned = structuredClone(deployed) as Plan;
    planned.States.G.Branches[0].States.B.Result = 1;
    assert.deepEqual([...stateChanges(deployed, planned).marks], [[stateKey(['G', 'branch 1', 'B']), 'changed']]);
  });

  it('a new branch changes the Parallel and adds its states', () => {
    const planned = structuredClone(deployed) as Plan;
    planned.States.G.Branches.push({ StartAt: 'C', States: { C: { Type: 'Pass', End: true } } });
    assert.deepEqual([...stateChanges(deployed, planned).marks], [[stateKey(['G']), 'changed'], [stateKey(['G', 'branch 2', 'C']), 'added']]);
  });

  it('nothing changed: no mark; an undeployable deployed definition: every state added', () => {
    assert.deepEqual([...stateChanges(deployed, structuredClone(deployed)).marks], []);
    assert.deepEqual([...stateChanges('not json', deployed).marks].map(([, mark]) => mark), ['added', 'added', 'added', 'added']);
  });
});
