/**
 * The picture, proven in a real browser: every definition of the test corpus, the Quetzal template, the example
 * model and definitions with hostile state names are drawn, rendered by Mermaid's own script in headless Chromium
 * without an error, and the rendered SVG holds each drawn state's label.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { drawDefinition, stateChanges, stateKey, type StateMark } from '../../src/picture/index.ts';
import { topScope, walkStates } from '../../src/picture/states.ts';
import { generateLargeDefinition } from '../fixtures/asl/generate-large.ts';
import { ROOT } from '../helpers/action.ts';
import { openMermaidPage, type MermaidPage } from '../helpers/browser.ts';

const ASL = path.join(ROOT, '__tests__', 'fixtures', 'asl');
const SHARED_CORPUS = path.join(ROOT, '..', 'shared', 'corpus', 'asl');

function definitionsIn(folder: string): Array<[string, string]> {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder).filter((name) => name.endsWith('.json')).sort().map((name) => [path.join(folder, name), fs.readFileSync(path.join(folder, name), 'utf8')]);
}

const CORPUS: Array<[string, string]> = [
  ...definitionsIn(path.join(ASL, 'valid')),
  ...definitionsIn(path.join(ASL, 'malformed')),
  ...definitionsIn(path.join(SHARED_CORPUS, 'valid')),
  ...definitionsIn(path.join(SHARED_CORPUS, 'malformed')),
  ...[
    path.join(ASL, 'template', 'step-functions.json'),
    path.join(ASL, 'quetzal-model', 'step-functions.json'),
    path.join(ROOT, 'example', 'quetzal-example', 'step-functions.json'),
    path.join(ROOT, '__tests__', 'fixtures', 'models', 'template', 'step-functions.json'),
  ].map((file): [string, string] => [file, fs.readFileSync(file, 'utf8')]),
];

/** What the rendered label of a state name reads: controls as spaces, clipped to 60 characters, spaces collapsed. */
function shownName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const characters = Array.from(name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu, ' '));
  const clipped = characters.length > 60 ? [...characters.slice(0, 59), '…'] : characters;
  return clipped.join('').replace(/\s+/g, ' ').trim();
}

/** The names of the states the picture draws: all of them, or the top level when folded. */
function drawnNames(definition: unknown, folded: boolean): string[] {
  const top = topScope(definition);
  if (!top) return [];
  if (folded) return Object.keys(top.states);
  const names: string[] = [];
  walkStates(top, (_key, name, _state, depth) => {
    if (depth < 15) names.push(name);
  });
  return names;
}

async function assertRenders(page: MermaidPage, definition: unknown, source: string, marks?: ReadonlyMap<string, StateMark>): Promise<void> {
  const picture = drawDefinition(definition, { marks });
  if (picture.mermaid === undefined) {
    assert.ok(picture.note, `${source}: no picture and no note`);
    return;
  }
  let labels: string[];
  try {
    ({ labels } = await page.render(picture.mermaid));
  } catch (error) {
    assert.fail(`${source}: ${(error as Error).message}\n${picture.mermaid.slice(0, 3000)}`);
  }
  const text = labels.join('\n');
  for (const name of drawnNames(definition, picture.folded)) {
    const shown = shownName(name);
    if (shown === '') continue;
    assert.ok(text.includes(shown), `${source}: the label of state ${JSON.stringify(name)} (${JSON.stringify(shown)}) is not in the SVG`);
  }
}

describe('the picture in a real browser', () => {
  let page: MermaidPage;
  before(async () => {
    page = await openMermaidPage();
  });
  after(() => page?.close());

  it(`renders every definition of the corpus (${CORPUS.length}) with each state's label`, async () => {
    assert.ok(CORPUS.length >= 170, `the corpus has ${CORPUS.length} definitions`);
    for (const [file, text] of CORPUS) {
      const definition: unknown = parse(text, [], { allowTrailingComma: true });
      await assertRenders(page, definition, path.relative(ROOT, file));
    }
  });

  it('renders states named with quotes, brackets, #, entities, keywords, arrows, emoji and line breaks', async () => {
    const names = [
      'say "hi"', "it's [1] {2} (3) <4>", '#35; #quot; &amp; &lt;b&gt;', 'end', 'subgraph', 'click', 'style', 'classDef',
      'a --> b', 'a -.-> b ==> c', '%% not a comment', '|pipe|', 'back`tick`', 'semi;colon', 'émoji 🚇 métro', 'two\nlines\r\nhere',
      'tab\there', '', ' ', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', 'a'.repeat(200), '\u202eevil\u202c', 'a:b/c\\d',
    ];
    const states: Record<string, unknown> = {};
    names.forEach((name, index) => {
      states[name] = index === names.length - 1 ? { Type: 'Succeed' } : { Type: index % 3 === 0 ? 'Pass' : 'Task', Resource: 'arn:aws:states:::lambda:invoke', Next: names[index + 1] };
    });
    states['a choice "x"'] = {
      Type: 'Choice',
      Choices: [
        { Variable: '$.name', StringEquals: '"]} --> end', Next: names[0] },
        { And: [{ Variable: '$.n', NumericGreaterThan: 1 }, { Not: { Variable: '$.x', IsPresent: true } }], Next: names[1] },
      ],
      Default: 'no such state "]',
    };
    const definition = { StartAt: names[0], States: states };
    const marks = new Map<string, StateMark>([[stateKey([names[0]]), 'error'], [stateKey([names[1]]), 'warning'], [stateKey([names[2]]), 'changed']]);
    await assertRenders(page, definition, 'hostile names', marks);
    const { labels } = await page.render(drawDefinition(definition).mermaid ?? '');
    assert.ok(labels.some((label) => label.includes('missing: no such state "]')), JSON.stringify(labels));
    assert.ok(labels.some((label) => label.includes('$.name == "\\"]} --> end"')), 'the rule reads as written');
  });

  it('renders Parallel branches and Map item processors as subgraphs, marked, with removed states apart', async () => {
    const deployed = {
      StartAt: 'Fan out',
      States: {
        'Fan out': { Type: 'Parallel', Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, { StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }], Next: 'Each' },
        Each: { Type: 'Map', ItemProcessor: { StartAt: 'C', States: { C: { Type: 'Pass', End: true } } }, Next: 'Old' },
        Old: { Type: 'Succeed' },
      },
    };
    const planned = structuredClone(deployed) as unknown as { States: Record<string, unknown> };
    (planned.States['Fan out'] as { Branches: Array<{ States: Record<string, unknown> }> }).Branches[1].States.B = { Type: 'Pass', Result: 2, End: true };
    delete planned.States.Old;
    planned.States.Each = { ...(planned.States.Each as object), Next: 'New' };
    planned.States.New = { Type: 'Succeed' };
    const { marks, removed } = stateChanges(deployed, planned);
    const picture = drawDefinition(planned, { marks, removed });
    assert.equal(picture.folded, false);
    const { labels } = await page.render(picture.mermaid ?? '');
    for (const label of ['Fan out', 'branch 1', 'branch 2', 'Each (Map)', 'items', 'A', 'B', 'C', 'New', 'Old', 'removed']) {
      assert.ok(labels.includes(label) || labels.some((text) => text.startsWith(label)), `${label} in ${JSON.stringify(labels)}`);
    }
  });

  it('renders a large model folded, within Mermaid\'s limits', async () => {
    const large = JSON.parse(generateLargeDefinition(600).text) as unknown;
    const whole = drawDefinition(large, { maxStates: 1000 });
    assert.equal(whole.mermaid, undefined, 'drawn whole, 600 steps are past the text limit');
    const parallel = {
      StartAt: 'Fan out',
      States: {
        'Fan out': { Type: 'Parallel', End: true, Branches: Array.from({ length: 12 }, (_, branch) => ({ StartAt: `b${branch}s0`, States: Object.fromEntries(Array.from({ length: 10 }, (_, step) => [`b${branch}s${step}`, step === 9 ? { Type: 'Pass', End: true } : { Type: 'Pass', Next: `b${branch}s${step + 1}` }])) })) },
      },
    };
    const folded = drawDefinition(parallel);
    assert.equal(folded.folded, true);
    const { labels } = await page.render(folded.mermaid ?? '');
    assert.ok(labels.some((label) => label.includes('Parallel: 12 branches, 120 states')), JSON.stringify(labels));
  });
});
