/**
 * What the JSON tree builder costs in validateDefinition: jsonc-parser's parseTree against the single-scan builder
 * of src/validate/definition/fast-tree.ts (used for text JSON.parse accepted), on the generated 3-step and
 * 1,000-step Quetzal definitions (notebooks present). Figures and the decision: bench/README.md.
 *
 * A pull request runs validation once per process, so the figure a user waits for is the cold one: each sample is a
 * fresh `node` that parses the definition with JSON.parse (as validateDefinition does first), then builds the tree
 * once. The warm figures (median of repeated calls in one process) and the whole of validateDefinition, cold, are
 * shown for scale. Both builders must give the same tree (type, offset, length, value, children), checked first.
 *
 *   npx node bench/validate-definition.ts [--runs 15] [--rounds 50]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Node, parseTree } from 'jsonc-parser';
import { generateLargeDefinition } from '../__tests__/fixtures/asl/generate-large.ts';
import { BUILTIN_SUBSTITUTIONS, validateDefinition } from '../src/validate/definition/index.ts';
import { treeOfValidJson } from '../src/validate/definition/fast-tree.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '15' }, rounds: { type: 'string', default: '50' }, child: { type: 'string' }, steps: { type: 'string' }, folder: { type: 'string' } },
});
const builders = { jsonc: jsoncTree, scan: treeOfValidJson, validate: () => undefined } as const;
type Builder = keyof typeof builders;

function jsoncTree(text: string): Node | undefined {
  return parseTree(text, [], { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
}

/** The definition, the context validateDefinition needs, and (made once, in `folder`) the notebooks it names. */
function fixture(steps: number, existing?: string) {
  const folder = existing ?? mkdtempSync(join(tmpdir(), 'bench-definition-'));
  const large = generateLargeDefinition(steps);
  for (const notebook of existing ? [] : large.notebooks) {
    mkdirSync(dirname(join(folder, notebook)), { recursive: true });
    writeFileSync(join(folder, notebook), '{}');
  }
  const context = { file: join(folder, 'step-functions.json'), modelFolder: folder, lambdaFunctionName: large.lambdaFunctionName, substitutions: new Set(BUILTIN_SUBSTITUTIONS) };
  return { folder, text: large.text, context };
}

function shape(node: Node | undefined): unknown {
  if (!node) return undefined;
  return { type: node.type, offset: node.offset, length: node.length, value: node.value, children: node.children?.map(shape) };
}

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[samples.length >> 1];

if (values.child) {
  // One cold sample: print the milliseconds of one build (or one whole validateDefinition).
  const { text, context } = fixture(Number(values.steps), values.folder);
  JSON.parse(text);
  const start = performance.now();
  if (values.child === 'validate') validateDefinition(text, context);
  else builders[values.child as Builder](text);
  process.stdout.write(String(performance.now() - start));
} else {
  const runs = Number(values.runs);
  const rounds = Number(values.rounds);
  const self = fileURLToPath(import.meta.url);
  const cold = (builder: Builder, steps: number, folder: string) => {
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      const child = spawnSync(process.execPath, [self, '--child', builder, '--steps', String(steps), '--folder', folder], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      samples.push(Number(child.stdout));
    }
    return median(samples);
  };
  console.log(`node ${process.version}; cold: median of ${runs} fresh processes; warm: median of ${rounds} calls in one process`);
  console.log('| definition | size | parseTree cold / warm (ms) | scan cold / warm (ms) | saved cold (ms) | validateDefinition cold (ms) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const steps of [3, 1000]) {
    const { folder, text } = fixture(steps);
    if (JSON.stringify(shape(jsoncTree(text))) !== JSON.stringify(shape(treeOfValidJson(text)))) throw new Error(`the two trees differ (${steps} steps)`);
    const warm = (build: (text: string) => unknown) => {
      const samples: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const start = performance.now();
        build(text);
        samples.push(performance.now() - start);
      }
      return median(samples);
    };
    const [jsoncCold, scanCold, whole] = [cold('jsonc', steps, folder), cold('scan', steps, folder), cold('validate', steps, folder)];
    const kib = (Buffer.byteLength(text) / 1024).toFixed(0);
    const ms = (value: number) => value.toFixed(1);
    console.log(`| ${steps} steps | ${kib} KiB | ${ms(jsoncCold)} / ${ms(warm(jsoncTree))} | ${ms(scanCold)} / ${ms(warm(treeOfValidJson))} | ${ms(jsoncCold - scanCold)} | ${ms(whole)} |`);
    rmSync(folder, { recursive: true, force: true });
  }
}
