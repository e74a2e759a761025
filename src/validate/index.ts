import fs from 'node:fs';
import type { ModelConfig } from '../core/config.ts';
import type { Finding } from '../core/findings.ts';
import { parseEnvFile } from '../core/env-file.ts';
import { resolveNames, type ResourceNames } from '../core/names.ts';
import { checkModelFolder } from './model-folder.ts';
import { BUILTIN_SUBSTITUTIONS, preloadJsonata, validateDefinition } from './definition/index.ts';

export interface ValidationResult {
  findings: Finding[];
  /** The names that resolved (a name with an error is still listed, for the summary). */
  names: Partial<ResourceNames>;
  /** The definition's text as read from disk, when it could be read. */
  definitionText?: string;
}

/** Everything that can be checked without AWS: `.env` names, the definition, and the model folder. */
export async function validateModel(config: ModelConfig): Promise<ValidationResult> {
  const findings: Finding[] = [];

  if (!isDirectory(config.modelFolder)) {
    return {
      names: {},
      findings: [
        {
          severity: 'error',
          rule: 'model/folder-missing',
          file: '',
          message: `The model folder ${config.modelFolder} does not exist: set input \`model-folder\` to the folder holding .env and step-functions.json.`,
        },
      ],
    };
  }

  const envText = readText(config.envFile)?.replace(/^\uFEFF/, '');
  const allNamesGiven = Object.keys(config.nameOverrides).length >= 3;
  if (envText === undefined && !allNamesGiven) {
    findings.push({
      severity: 'error',
      rule: 'names/env-missing',
      file: config.envFile,
      message: 'No .env file: add one with AWS_ECR_REPO_NAME=<the model name>, or give the names as inputs (ecr-repository, lambda-function, bucket).',
    });
  }
  const resolution = resolveNames(config.envFile, envText === undefined ? null : parseEnvFile(envText), config.nameOverrides);
  if (envText !== undefined || allNamesGiven) findings.push(...resolution.findings);

  const rawDefinition = readText(config.definitionFile);
  const definitionText = rawDefinition?.replace(/^\uFEFF/, '');
  if (rawDefinition !== definitionText) {
    findings.push({
      severity: 'warning',
      rule: 'definition/byte-order-mark',
      file: config.definitionFile,
      line: 1,
      column: 1,
      message: 'The file starts with a byte-order mark (as Windows Notepad saves UTF-8), which is not JSON: the action leaves it out when deploying; save the file as "UTF-8" without BOM.',
    });
  }
  if (definitionText === undefined) {
    findings.push({
      severity: 'error',
      rule: 'definition/missing',
      file: config.definitionFile,
      message: 'No step-functions.json: copy the template into the model folder, or point input `definition` at the state machine definition.',
    });
  } else {
    if (definitionText.includes('{%')) await preloadJsonata();
    findings.push(
      ...validateDefinition(definitionText, {
        file: config.definitionFile,
        modelFolder: config.modelFolder,
        lambdaFunctionName: resolution.names.lambdaFunction?.value,
        substitutions: new Set([...BUILTIN_SUBSTITUTIONS, ...Object.keys(config.substitutions)]),
      }),
    );
  }

  findings.push(...checkModelFolder(config.modelFolder, config.modelName));
  return { findings: collapseRepeats(findings), names: resolution.names, definitionText };
}

/**
 * The same notice or warning repeated across a file (one hard-coded ARN in 1,000 steps) is one finding, at its
 * first place, naming the other lines: a reader needs it once, and GitHub shows only a few annotations per step.
 * Errors stay one per place: each must be fixed where it stands.
 */
export function collapseRepeats(findings: readonly Finding[]): Finding[] {
  const first = new Map<string, { finding: Finding; lines: number[] }>();
  const kept: Finding[] = [];
  for (const finding of findings) {
    if (finding.severity === 'error') {
      kept.push(finding);
      continue;
    }
    const key = `${finding.severity}\0${finding.rule}\0${finding.file}\0${finding.message}`;
    const seen = first.get(key);
    if (seen === undefined) {
      const copy = { ...finding };
      first.set(key, { finding: copy, lines: [] });
      kept.push(copy);
    } else if (finding.line !== undefined) {
      seen.lines.push(finding.line);
    }
  }
  for (const { finding, lines } of first.values()) {
    if (lines.length === 0) continue;
    const shown = lines.slice(0, 5).join(', ');
    const more = lines.length > 5 ? ` and ${lines.length - 5} more` : '';
    finding.message += ` (The same on line${lines.length > 1 ? 's' : ''} ${shown}${more}.)`;
  }
  return kept;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw error;
  }
}

function isDirectory(folder: string): boolean {
  return fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
