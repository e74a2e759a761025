/**
 * Micro benchmark of validateDefinition on the generated 1,000-step Quetzal definition (notebooks present).
 * Usage: npx node bench/validate-definition.ts [steps] [rounds]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateLargeDefinition } from '../__tests__/fixtures/asl/generate-large.ts';
import { BUILTIN_SUBSTITUTIONS, validateDefinition } from '../src/validate/definition/index.ts';

const steps = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 50);
const folder = mkdtempSync(join(tmpdir(), 'bench-definition-'));
try {
  const large = generateLargeDefinition(steps);
  for (const notebook of large.notebooks) {
    mkdirSync(dirname(join(folder, notebook)), { recursive: true });
    writeFileSync(join(folder, notebook), '{}');
  }
  const context = { file: join(folder, 'step-functions.json'), modelFolder: folder, lambdaFunctionName: large.lambdaFunctionName, substitutions: new Set(BUILTIN_SUBSTITUTIONS) };
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let findings = 0;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    findings = validateDefinition(large.text, context).length;
    const used = process.cpuUsage(cpu);
    times.push(performance.now() - start);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  const firstCpuMs = +cpuTimes[0].toFixed(2);
  cpuTimes.sort((a, b) => a - b);
  times.sort((a, b) => a - b);
  const first = times.length ? times[0] : 0;
  console.log(JSON.stringify({ steps, bytes: Buffer.byteLength(large.text), rounds, findings, minMs: +first.toFixed(2), medianMs: +times[times.length >> 1].toFixed(2), maxMs: +times[times.length - 1].toFixed(2), firstCpuMs, minCpuMs: +cpuTimes[0].toFixed(2), medianCpuMs: +cpuTimes[cpuTimes.length >> 1].toFixed(2) }));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
