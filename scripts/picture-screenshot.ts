/**
 * The README's picture: `node scripts/picture-screenshot.ts [model-folder] [docs/pipeline.png]` draws the model's
 * state machine as the job summary does and renders it with Mermaid in headless Chromium (__tests__/helpers/browser.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { drawDefinition } from '../src/picture/index.ts';
import { ROOT } from '../__tests__/helpers/action.ts';
import { openMermaidPage } from '../__tests__/helpers/browser.ts';

const [model = path.join(ROOT, 'example', 'quetzal-example'), output = path.join(ROOT, 'docs', 'pipeline.png')] = process.argv.slice(2);
const definition: unknown = parse(fs.readFileSync(path.join(model, 'step-functions.json'), 'utf8'), [], { allowTrailingComma: true });
const picture = drawDefinition(definition);
if (picture.mermaid === undefined) throw new Error(`Nothing to draw: ${picture.note}`);
const page = await openMermaidPage();
try {
  await page.screenshot(picture.mermaid, output);
  process.stdout.write(`${path.relative(process.cwd(), output)}: ${picture.states} states\n`);
} finally {
  await page.close();
}
