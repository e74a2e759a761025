import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { drawDefinition, stateKey, type StateMark } from '../../../src/picture/index.ts';
import { labelText } from '../../../src/picture/mermaid.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
/** A definition as the picture reads it: tolerantly (the template is not JSON until edited). */
const read = (file: string) => parse(fs.readFileSync(path.join(root, file), 'utf8'), [], { allowTrailingComma: true }) as unknown;

/** A label's text back from its entity codes, as Mermaid shows it. */
const decoded = (label: string) => label.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));

/** The node lines of a picture: `id` → label (between the shape's quotes). */
function nodes(mermaid: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of mermaid.matchAll(/^\s*(s\d+)(?:\[\[|\(\[|\[|\{)"(.*)"(?:\]\]|\]\)|\]|\})$/gm)) found.set(match[1], match[2]);
  return found;
}

const chain = (...names: string[]) => ({
  StartAt: names[0],
  States: Object.fromEntries(names.map((name, index) => [name, index === names.length - 1 ? { Type: 'Succeed' } : { Type: 'Pass', Next: names[index + 1] }])),
});

describe('labels', () => {
  it('writes every character with a meaning in Mermaid as an entity code, and keeps letters, digits and emoji', () => {
    assert.equal(labelText('say "hi" #1; [a] {b} (c) <d> & |e| `f` %g'), 'say #34;hi#34; #35;1#59; #91;a#93; #123;b#125; #40;c#41; #60;d#62; #38; #124;e#124; #96;f#96; #37;g');
    assert.equal(labelText('émoji 🚇 métro'), 'émoji 🚇 métro');
    assert.equal(labelText('a --> b'), 'a --> b'.replace('>', '#62;'));
  });

  it('turns line breaks and control characters into spaces, and shows invisible direction marks as codes', () => {
    assert.equal(labelText('two\nlines\r\n\there'), 'two lines   here');
    assert.equal(labelText('\u202eevil'), '#8238;evil');
  });

  it('draws a state named "" blank: Mermaid refuses an empty label', () => {
    assert.equal(labelText(''), ' ');
  });

  it('clips a long name to 60 characters, counting emoji as one', () => {
    assert.equal(labelText('a'.repeat(100)), `${'a'.repeat(59)}…`);
    assert.equal(Array.from(labelText('🚇'.repeat(80))).length, 60);
  });

  it('never lets a label hold a quote, a pipe, a hash, a semicolon or a line break', () => {
    const hostile = '"]);\n%%{init: {"theme":"dark"}}%%\nclick a href "javascript:alert(1)" | end';
    const label = labelText(hostile, 500);
    assert.doesNotMatch(label.replace(/#\d+;/g, ''), /["|#;\n\][{}()<>]/);
    assert.equal(decoded(label), hostile.replace(/\n/g, ' '));
  });
});

describe('the flowchart of a definition', () => {
  it('draws the example model: the start, each step with its notebook, the end', () => {
    const { mermaid, folded, states, legend, note } = drawDefinition(read('example/quetzal-example/step-functions.json'));
    assert.equal(folded, false);
    assert.equal(states, 4);
    assert.equal(legend, '');
    assert.equal(note, undefined);
    assert.deepEqual([...nodes(mermaid ?? '').values()], ['Authorization<br>lambda:invoke', 'Network<br>A10_network.ipynb', 'Assignment<br>A20_assignment.ipynb', 'Outputs<br>A30_outputs.ipynb']);
    assert.match(mermaid ?? '', /^flowchart TD\n {2}qStart\(\["Start"\]\)\n/);
    assert.match(mermaid ?? '', /^ {2}qStart --> s1$/m);
    assert.match(mermaid ?? '', /^ {2}s4 --> qEnd$/m);
  });

  it('draws the Quetzal template, each notebook on its step', () => {
    const { mermaid } = drawDefinition(read('__tests__/fixtures/asl/template/step-functions.json'));
    assert.ok([...nodes(mermaid ?? '').values()].some((label) => /\.ipynb$/.test(label)), mermaid);
  });

  it('keeps node identifiers apart from names: a state named like an identifier or a keyword is only a label', () => {
    const { mermaid = '' } = drawDefinition(chain('s2', 'end', 'qEnd', 'subgraph'));
    assert.deepEqual([...nodes(mermaid)], [['s1', 's2'], ['s2', 'end'], ['s3', 'qEnd'], ['s4', 'subgraph']]);
    assert.match(mermaid, /^ {2}s4 --> qEnd$/m);
    assert.match(mermaid, /^ {2}s4\(\["subgraph"\]\)$/m, 'Succeed has the terminal shape');
  });

  it('labels Choice edges with their rule, and Default', () => {
    const definition = {
      StartAt: 'Pick',
      States: {
        Pick: {
          Type: 'Choice',
          Choices: [
            { Variable: '$.choice', StringEquals: 'all', Next: 'All' },
            { Variable: '$.n', NumericLessThanEqualsPath: '$.max', Next: 'All' },
            { And: [{ Variable: '$.a', IsPresent: true }, { Not: { Variable: '$.b', BooleanEquals: false } }], Next: 'All' },
            { Or: [{ Variable: '$.a', IsNull: false }, { Variable: '$.s', StringMatches: 'x*' }], Next: 'All' },
          ],
          Default: 'Done',
        },
        All: { Type: 'Pass', Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    };
    const edges = (drawDefinition(definition).mermaid ?? '').split('\n').filter((line) => line.includes('-->|')).map((line) => decoded(line.trim()));
    assert.deepEqual(edges, [
      's1 -->|"$.choice == "all""| s2',
      's1 -->|"$.n <= $.max"| s2',
      's1 -->|"$.a is present and not ($.b == false)"| s2',
      's1 -->|"$.a is not null or $.s matches "x*""| s2',
      's1 -->|"Default"| s3',
    ]);
  });

  it('labels a JSONata rule with its condition, without {% %}', () => {
    const definition = { QueryLanguage: 'JSONata', StartAt: 'Pick', States: { Pick: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.n > 1 %}', Next: 'Done' }], Default: 'Done' }, Done: { Type: 'Succeed' } } };
    assert.match(decoded(drawDefinition(definition).mermaid ?? ''), /s1 -->\|"\$states\.input\.n > 1"\| s2/);
  });

  it('draws Catch edges dashed, with their error names', () => {
    const definition = { StartAt: 'Run', States: { Run: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', Catch: [{ ErrorEquals: ['States.Timeout', 'States.TaskFailed'], Next: 'Failed' }], End: true }, Failed: { Type: 'Fail' } } };
    const { mermaid = '' } = drawDefinition(definition);
    assert.match(mermaid, /^ {2}s1 -\.->\|"States\.Timeout, States\.TaskFailed"\| s2$/m);
    assert.match(mermaid, /s1\["Run<br>ecs:runTask\.sync"\]/);
    assert.match(mermaid, /^ {2}s1 --> qEnd$/m);
    assert.match(mermaid, /^ {2}s2 --> qEnd$/m);
  });

  it('draws a Parallel\'s branches and a Map\'s items as subgraphs; edges attach to the group', () => {
    const definition = {
      StartAt: 'Fan out',
      States: {
        'Fan out': { Type: 'Parallel', Next: 'Each', Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, { StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }] },
        Each: { Type: 'Map', End: true, ItemProcessor: { StartAt: 'C', States: { C: { Type: 'Pass', End: true } } } },
      },
    };
    const { mermaid = '' } = drawDefinition(definition);
    assert.match(mermaid, /^ {2}subgraph s1 \["Fan out"\]\n {4}direction TB\n {4}subgraph s1_\d+ \["branch 1"\]\n {6}s\d+\["A"\]\n {4}end\n {4}subgraph s1_\d+ \["branch 2"\]\n {6}s\d+\["B"\]\n {4}end\n {2}end$/m);
    assert.match(mermaid, /subgraph s2 \["Each #40;Map#41;"\]/);
    assert.match(mermaid, /subgraph s2_\d+ \["items"\]/);
    assert.match(mermaid, /^ {2}s1 --> s2$/m);
    assert.match(mermaid, /^ {2}s2 --> qEnd$/m);
    assert.doesNotMatch(mermaid, /s\d+ --> qEnd\n.*s\d+ --> qEnd\n.*s\d+ --> qEnd/s, 'a branch\'s end is not the machine\'s end');
  });

  it('gives a transition to no state a node of its own, marked missing', () => {
    const { mermaid = '' } = drawDefinition({ StartAt: 'Nope', States: { A: { Type: 'Pass', Next: 'Gone' }, B: { Type: 'Pass', Next: 'Gone' } } });
    const labels = [...nodes(mermaid).values()];
    assert.deepEqual(labels.filter((label) => label.startsWith('missing')), ['missing: Gone', 'missing: Nope']);
    assert.match(mermaid, /classDef missing /);
  });

  it('marks states with classes, a group with a style, and names only the marks used in the legend', () => {
    const definition = {
      StartAt: 'A',
      States: { A: { Type: 'Pass', Next: 'G' }, G: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }] } },
    };
    const marks = new Map<string, StateMark>([[stateKey(['A']), 'error'], [stateKey(['G']), 'changed'], [stateKey(['G', 'branch 1', 'B']), 'added']]);
    const picture = drawDefinition(definition, { marks, removed: [{ key: stateKey(['Old']), name: 'Old' }] });
    const mermaid = picture.mermaid ?? '';
    assert.match(mermaid, /^ {2}classDef error fill:#ffebe9,stroke:#cf222e,stroke-width:2px;\n {2}class s1 error$/m);
    assert.match(mermaid, /^ {2}class s\d+ added$/m);
    assert.match(mermaid, /^ {2}style s2 fill:#ddf4ff,stroke:#0969da$/m);
    assert.match(mermaid, /^ {2}subgraph qRemoved \["removed"\]\n {4}(s\d+)\["Old"\]\n {2}end$/m);
    assert.equal(picture.legend, '🟥 error · 🟦 changed · 🟩 added · ⬜ removed');
    assert.doesNotMatch(mermaid, /classDef warning/);
  });

  it('folds above maxStates: each Parallel and Map one node, with its counts and the strongest mark inside', () => {
    const branches = Array.from({ length: 3 }, (_, branch) => ({ StartAt: `b${branch}`, States: { [`b${branch}`]: { Type: 'Pass', End: true } } }));
    const definition = { StartAt: 'P', States: { P: { Type: 'Parallel', Next: 'M', Branches: branches }, M: { Type: 'Map', End: true, Iterator: { StartAt: 'x', States: { x: { Type: 'Pass', End: true } } } } } };
    const marks = new Map<string, StateMark>([[stateKey(['P', 'branch 2', 'b1']), 'warning'], [stateKey(['P']), 'changed']]);
    const picture = drawDefinition(definition, { maxStates: 3, marks });
    assert.equal(picture.folded, true);
    assert.equal(picture.states, 6);
    assert.equal(picture.note, 'Folded: 6 states are more than 3; each Parallel and Map is one node.');
    const mermaid = picture.mermaid ?? '';
    assert.match(mermaid, /s1\[\["P<br>Parallel: 3 branches, 3 states"\]\]/);
    assert.match(mermaid, /s2\[\["M<br>Map: 1 states"\]\]/);
    assert.match(mermaid, /class s1 warning/, 'the warning inside wins over the group\'s own change');
    assert.doesNotMatch(mermaid, /subgraph/);
  });

  it('folds when the drawing is past the text or edge limit, and draws nothing when even folded it is', () => {
    const big = chain(...Array.from({ length: 50 }, (_, index) => `state ${index}`));
    assert.equal(drawDefinition(big, { maxEdges: 10 }).mermaid, undefined);
    const tiny = drawDefinition(big, { maxTextLength: 100 });
    assert.equal(tiny.mermaid, undefined);
    assert.equal(tiny.note, '50 states: too many to draw within GitHub\'s Mermaid limits, even folded.');
    const fits = drawDefinition(big);
    assert.ok((fits.mermaid ?? '').length < 50_000);
  });

  it('never throws on any shape of input', () => {
    const garbage: unknown[] = [
      null, 42, 'text', [], {}, { States: [] }, { States: { a: null, b: 7, c: [] } }, { StartAt: 3, States: { a: { Type: 'Pass', Next: 5 } } },
      { States: { p: { Type: 'Parallel', Branches: 'no' } } }, { States: { p: { Type: 'Parallel', Branches: [null, { States: 'x' }] } } },
      { States: { m: { Type: 'Map', ItemProcessor: { States: { loop: { Type: 'Pass', Next: 'loop' } } } } } },
      { States: { c: { Type: 'Choice', Choices: [null, { Next: 'c' }, { And: 'x', Next: 'c' }], Catch: [null, { ErrorEquals: 'x' }] } } },
    ];
    let deep: Record<string, unknown> = { Type: 'Pass', End: true };
    for (let level = 0; level < 40; level += 1) deep = { Type: 'Parallel', End: true, Branches: [{ StartAt: 'd', States: { d: deep } }] };
    garbage.push({ StartAt: 'd', States: { d: deep } });
    for (const definition of garbage) {
      const picture = drawDefinition(definition);
      assert.ok(picture.mermaid !== undefined || picture.note !== undefined, JSON.stringify(definition)?.slice(0, 80));
    }
    assert.equal(drawDefinition({ States: [] }).note, 'The definition has no States object: nothing to draw.');
  });
});
