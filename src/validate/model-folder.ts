import fs from 'node:fs';
import path from 'node:path';
import type { Finding } from '../ground/findings.ts';
import { IgnoreBudgetExceeded, InvalidDockerPattern, firstIncluded, parseIgnoreLine, type IgnoreBudget, type IgnorePattern } from './docker-ignore.ts';

const IGNORE_FILE = 'Dockerfile.dockerignore';
/** Far larger than any real ignore file (a dozen lines): past it the file is not checked. */
export const MAX_IGNORE_FILE_BYTES = 64 * 1024;
/**
 * Matcher steps the scenario check may take (a step is one pattern position on one character): some 0.2 s. Real
 * ignore files against hundreds of scenarios take a few thousand; only patterns and names made to be slow reach it.
 */
const IGNORE_CHECK_STEPS = 20_000_000;

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

  const size = fs.statSync(ignoreFile).size;
  if (size > MAX_IGNORE_FILE_BYTES) {
    return [
      {
        severity: 'warning',
        rule: 'model/ignore-file-too-large',
        file: ignoreFile,
        message: `${IGNORE_FILE} is ${size} bytes: an ignore file holds a few patterns, and the action checks none larger than ${MAX_IGNORE_FILE_BYTES} bytes (64 KiB), so it did not check that it keeps scenario data out of the image.`,
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
    try {
      const pattern = parseIgnoreLine(line);
      if (pattern) patterns.push(pattern);
    } catch (error) {
      if (!(error instanceof InvalidDockerPattern)) throw error;
      findings.push({
        severity: 'warning',
        rule: 'model/ignore-pattern-invalid',
        ...at(line.search(/\S/) + 1),
        message: `Docker's pattern syntax refuses this pattern (${error.message}): expect the image build to fail on it. Fix the pattern.`,
      });
    }
  }

  const folder = `${modelName}/scenarios`;
  const budget: IgnoreBudget = { steps: IGNORE_CHECK_STEPS };
  let included: string | undefined;
  try {
    const name = firstIncluded(folder, scenarioNames(modelFolder), patterns, budget);
    included = name === undefined ? undefined : `${folder}/${name}`;
  } catch (error) {
    if (!(error instanceof IgnoreBudgetExceeded)) throw error;
    findings.push({
      severity: 'warning',
      rule: 'model/ignore-file-too-complex',
      file: ignoreFile,
      message: `${IGNORE_FILE} is too costly to check against the scenario folders (its patterns, with many "*", against long folder names): the action did not check that it keeps scenario data out of the image. Write plain patterns such as \`${modelName}/scenarios/*\`.`,
    });
    return findings;
  }
  if (included !== undefined && !findings.some((finding) => finding.rule === 'template/model-folder')) {
    findings.push({
      severity: 'warning',
      rule: 'model/scenarios-in-image',
      file: ignoreFile,
      message: `${IGNORE_FILE} does not exclude ${included}: scenario data would be baked into the image. Add the line \`${modelName}/scenarios/*\` (paths start at the folder above the model).`,
    });
  }
  return findings;
}

/** The names in the model's scenarios folder (`base` when there is none: the web app needs it). */
function scenarioNames(modelFolder: string): string[] {
  const scenarios = path.join(modelFolder, 'scenarios');
  const names = isDirectory(scenarios) ? fs.readdirSync(scenarios) : [];
  return names.length > 0 ? names : ['base'];
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
