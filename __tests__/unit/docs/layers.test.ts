import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

// The layer rule of .dependency-cruiser.js (npm run check:layers) must be able to fail: run it over a small tree that
// breaks it, then over the real src.

const root = path.resolve(import.meta.dirname, '..', '..', '..');

const FIXTURE: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }),
  'src/version.ts': "export const VERSION = '0';\n",
  // The floor importing a family: forbidden. version.ts is fine.
  'src/ground/log.ts': "import { VERSION } from '../version.ts';\nimport { plan } from '../image/step.ts';\nexport const log = () => [VERSION, plan()];\n",
  'src/image/step.ts': "import { log } from '../ground/log.ts';\nexport type ImagePlan = { tag: string };\nexport const plan = () => log;\n",
  // Another family's types: allowed with `import type`; its runtime code: forbidden.
  'src/lambda/step.ts': "import type { ImagePlan } from '../image/step.ts';\nexport const uses = (p: ImagePlan) => p.tag;\n",
  'src/lock/lock.ts': "import { plan } from '../image/step.ts';\nexport const lock = plan;\n",
  // A runtime cycle inside one folder: forbidden.
  'src/scenarios/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
  'src/scenarios/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
  // A cycle closed by a type-only import inside one folder: allowed.
  'src/scenarios/step.ts': "import { report } from './report.ts';\nexport type Plan = { n: number };\nexport const step = report;\n",
  'src/scenarios/report.ts': "import type { Plan } from './step.ts';\nexport const report = (p: Plan) => p.n;\n",
  // A type-only cycle across folders (image <-> state-machine): forbidden.
  'src/state-machine/step.ts': "import type { ImageUse } from '../image/use.ts';\nexport type MachinePlan = { use: ImageUse };\n",
  'src/image/use.ts': "import type { MachinePlan } from '../state-machine/step.ts';\nexport type ImageUse = { machine?: MachinePlan };\n",
  // The picture stands on the ground alone: not on validate.
  'src/validate/check.ts': "export const check = () => 1;\n",
  'src/picture/draw.ts': "import { check } from '../validate/check.ts';\nexport const draw = check;\n",
  // The doors never import each other.
  'src/cli/main.ts': "import { run } from '../action/main.ts';\nexport const main = run;\n",
  'src/action/main.ts': "export const run = () => 0;\n",
};

let fixture = '';

before(() => {
  fixture = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
  for (const [name, text] of Object.entries(FIXTURE)) {
    fs.mkdirSync(path.dirname(path.join(fixture, name)), { recursive: true });
    fs.writeFileSync(path.join(fixture, name), text);
  }
});

after(() => fs.rmSync(fixture, { recursive: true, force: true }));

async function violations(baseDir: string): Promise<string[]> {
  const options: ICruiseOptions = await extractDepcruiseOptions(path.join(root, '.dependency-cruiser.js'));
  const tsConfig = { fileName: path.join(baseDir, 'tsconfig.json') };
  const result = await cruise(['src'], { ...options, baseDir, tsConfig });
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

// dependency-cruiser reports each cycle once, at the first edge it meets.
it('the layer rule reports a floor importing a family, runtime imports across families, cycles and doors', async () => {
  assert.deepEqual(await violations(fixture), [
    'doors-apart: src/cli/main.ts -> src/action/main.ts',
    'family-imports-other-family-types-only: src/lock/lock.ts -> src/image/step.ts',
    'ground-imports-nothing-above: src/ground/log.ts -> src/image/step.ts',
    'no-cross-folder-type-cycle: src/image/use.ts -> src/state-machine/step.ts',
    'no-runtime-cycle: src/ground/log.ts -> src/image/step.ts',
    'no-runtime-cycle: src/scenarios/a.ts -> src/scenarios/b.ts',
    'picture-imports-ground-only: src/picture/draw.ts -> src/validate/check.ts',
  ]);
});

it('the real src keeps the layer rule', async () => {
  assert.deepEqual(await violations(root), []);
});
