/** The browser harness itself: real Mermaid in real Chromium says yes to a good flowchart and no to a broken one. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openMermaidPage, type MermaidPage } from '../helpers/browser.ts';

describe('Mermaid in headless Chromium', () => {
  let page: MermaidPage;
  before(async () => {
    page = await openMermaidPage();
  });
  after(() => page?.close());

  it('renders a flowchart and gives back each label: nodes, edges, subgraphs, line breaks', async () => {
    const { svg, labels } = await page.render([
      'flowchart TD',
      '  subgraph g1 ["a group"]',
      '    a["first<br>line two"]',
      '  end',
      '  b{"a choice"}',
      '  a -->|"an edge"| b',
      '  b -.->|"States.ALL"| c(["done"])',
      '  classDef error fill:#fee,stroke:#c00;',
      '  class a error',
    ].join('\n'));
    assert.match(svg, /^<svg/);
    for (const label of ['a group', 'a choice', 'an edge', 'States.ALL', 'done']) assert.ok(labels.includes(label), `${label} in ${JSON.stringify(labels)}`);
    assert.ok(labels.some((label) => label.includes('first') && label.includes('line two')), JSON.stringify(labels));
  });

  it('decodes entity codes in a quoted label', async () => {
    const { labels } = await page.render('flowchart TD\n  a["say #34;hi#34; #35;1 #59; end"]');
    assert.ok(labels.includes('say "hi" #1 ; end'), JSON.stringify(labels));
  });

  it('rejects a syntax error with Mermaid\'s message', async () => {
    await assert.rejects(page.render('flowchart TD\n  a["open --> b'), /Mermaid: .*(Parse error|Lexical error|Syntax error)/s);
  });

  it('rejects a text over Mermaid\'s size limit', async () => {
    const big = ['flowchart TD', ...Array.from({ length: 3000 }, (_, index) => `  n${index}["a label long enough to add up ${index}"]`)].join('\n');
    assert.ok(big.length > 50_000);
    await assert.rejects(page.render(big), /Mermaid: .*(Maximum text size|maxTextSize|too large)/is);
  });

  it('takes a screenshot of the diagram as a PNG', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'shot-')), 'picture.png');
    await page.screenshot('flowchart TD\n  a["one"] --> b["two"]', file);
    const png = fs.readFileSync(file);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.readUInt32BE(16) > 50 && png.readUInt32BE(20) > 50, 'width and height from the IHDR chunk');
  });
});
