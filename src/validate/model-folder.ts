import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { Finding } from '../core/findings.ts';

const IGNORE_FILE = 'Dockerfile.dockerignore';

/**
 * Checks the model folder around the definition: the Dockerfile, its ignore file (which must keep scenario data
 * out of the image, with the template's placeholders replaced) and the `base` scenario the web app needs.
 * The Docker build runs from the folder above the model folder, so ignore patterns start with the model's name.
 */
export function checkModelFolder(modelFolder: string, modelName: string): Finding[] {
  const findings: Finding[] = [];
  const dockerfile = path.join(modelFolder, 'Dockerfile');
  if (!isFile(dockerfile)) {
    findings.push({
      severity: 'error',
      rule: 'model/dockerfile-missing',
      file: dockerfile,
      message: `No Dockerfile in the model folder: copy the template's Dockerfile to ${relativeToParent(modelFolder, dockerfile)}.`,
    });
  }
  findings.push(...checkIgnoreFile(modelFolder, modelName));

  const base = path.join(modelFolder, 'scenarios', 'base');
  if (!isDirectory(base)) {
    findings.push({
      severity: 'warning',
      rule: 'model/base-scenario-missing',
      file: path.join(modelFolder, 'scenarios'),
      message: 'No scenarios/base folder: the Quetzal web app needs a `base` scenario; add scenarios/base/ (or make sure the bucket already has base/).',
    });
  }
  return findings;
}

function checkIgnoreFile(modelFolder: string, modelName: string): Finding[] {
  const ignoreFile = path.join(modelFolder, IGNORE_FILE);
  if (!isFile(ignoreFile)) {
    const misnamed = fs.existsSync(modelFolder)
      ? fs.readdirSync(modelFolder).find((entry) => entry.toLowerCase() === IGNORE_FILE.toLowerCase())
      : undefined;
    return [
      {
        severity: 'warning',
        rule: 'model/ignore-file-missing',
        file: misnamed ? path.join(modelFolder, misnamed) : ignoreFile,
        message: misnamed
          ? `Docker reads ${IGNORE_FILE} (exact case), not ${misnamed}: rename it, or scenario data is baked into the image.`
          : `No ${IGNORE_FILE}: scenario data would be baked into the image. Add one with the line \`${modelName}/scenarios/*\`.`,
      },
    ];
  }

  const findings: Finding[] = [];
  const patterns: IgnorePattern[] = [];
  const lines = fs.readFileSync(ignoreFile, 'utf8').split(/\r\n|\r|\n/);
  for (const [index, line] of lines.entries()) {
    const at = (column: number) => ({ file: ignoreFile, line: index + 1, column });
    const placeholder = line.indexOf('<model_folder>');
    if (placeholder >= 0) {
      findings.push({
        severity: 'error',
        rule: 'template/model-folder',
        ...at(placeholder + 1),
        message: `Replace the template placeholder <model_folder> with the model folder's name: ${modelName}.`,
      });
    }
    const note = line.search(/<--\s*TO EDIT/);
    if (note >= 0) {
      findings.push({
        severity: 'error',
        rule: 'template/to-edit',
        ...at(note + 1),
        message: 'Remove the template note "<-- TO EDIT.": Docker reads it as part of the pattern, so this line ignores nothing.',
      });
    }
    const pattern = parseIgnoreLine(line);
    if (pattern) patterns.push(pattern);
  }

  const scenarioPaths = sampleScenarioPaths(modelFolder, modelName);
  const included = scenarioPaths.filter((candidate) => !isIgnored(candidate, patterns));
  if (included.length > 0 && !findings.some((finding) => finding.rule === 'template/model-folder')) {
    findings.push({
      severity: 'warning',
      rule: 'model/scenarios-in-image',
      file: ignoreFile,
      message: `${IGNORE_FILE} does not exclude ${included[0]}: scenario data would be baked into the image. Add the line \`${modelName}/scenarios/*\` (paths start at the folder above the model).`,
    });
  }
  return findings;
}

interface IgnorePattern {
  negated: boolean;
  matches: (candidate: string) => boolean;
}

/** One line of a .dockerignore, as Docker reads it: `#` comments, `!` negation, leading `/` and `./` dropped. */
function parseIgnoreLine(line: string): IgnorePattern | undefined {
  let text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const negated = text.startsWith('!');
  if (negated) text = text.slice(1).trim();
  text = path.posix.normalize(text).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  if (text === '' || text === '.') return undefined;
  return { negated, matches: picomatch(text, { dot: true }) };
}

/** Docker excludes a path when it, or a folder above it, matches; the last matching line decides. */
function isIgnored(candidate: string, patterns: readonly IgnorePattern[]): boolean {
  const segments = candidate.split('/');
  const prefixes = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    if (prefixes.some((prefix) => pattern.matches(prefix))) ignored = !pattern.negated;
  }
  return ignored;
}

/** The model's scenario folders, relative to the build context (the folder above the model). */
function sampleScenarioPaths(modelFolder: string, modelName: string): string[] {
  const scenarios = path.join(modelFolder, 'scenarios');
  const names = isDirectory(scenarios) ? fs.readdirSync(scenarios) : [];
  return (names.length > 0 ? names : ['base']).map((name) => `${modelName}/scenarios/${name}`);
}

function relativeToParent(modelFolder: string, file: string): string {
  return path.relative(path.dirname(modelFolder), file).split(path.sep).join('/');
}

function isFile(file: string): boolean {
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function isDirectory(folder: string): boolean {
  return fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
