/**
 * The README's inputs and outputs tables, generated from action.yml so that they never drift.
 *   node scripts/action-docs.ts          rewrites README.md between the markers
 *   node scripts/action-docs.ts --check  exits 1 when README.md is out of date (a test runs this)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ActionMetadata {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
}

const cell = (text: string) => text.trim().replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

export function renderTables(actionYml: string): string {
  const metadata = parse(actionYml) as ActionMetadata;
  const lines = ['### Inputs', '', '| Input | Default | Description |', '| --- | --- | --- |'];
  for (const [name, input] of Object.entries(metadata.inputs)) {
    const fallback = input.default === undefined || input.default === '' ? '' : `\`${input.default}\``;
    lines.push(`| \`${name}\` | ${fallback} | ${cell(input.description)} |`);
  }
  lines.push('', '### Outputs', '', '| Output | Description |', '| --- | --- |');
  for (const [name, output] of Object.entries(metadata.outputs)) lines.push(`| \`${name}\` | ${cell(output.description)} |`);
  return lines.join('\n');
}

const BEGIN = '<!-- action-docs:begin (generated from action.yml by scripts/action-docs.ts) -->';
const END = '<!-- action-docs:end -->';

export function updateReadme(readme: string, tables: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${BEGIN} … ${END}`);
  return `${readme.slice(0, start + BEGIN.length)}\n${tables}\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readmePath = path.join(root, 'README.md');
  const readme = fs.readFileSync(readmePath, 'utf8');
  const updated = updateReadme(readme, renderTables(fs.readFileSync(path.join(root, 'action.yml'), 'utf8')));
  if (process.argv.includes('--check')) {
    if (updated !== readme) {
      console.error('README.md inputs/outputs tables differ from action.yml: run `node scripts/action-docs.ts`.');
      process.exit(1);
    }
  } else {
    fs.writeFileSync(readmePath, updated);
  }
}
