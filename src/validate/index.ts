import fs from 'node:fs';
import path from 'node:path';
import type { ModelSettings } from '../ground/settings/model.ts';
import type { Finding } from '../ground/findings.ts';
import { costlyBlankRun, parseEnvFile } from '../ground/env-file.ts';
import { resolveNames, type ResourceNames } from '../ground/names.ts';
import { resolveEcsNames, type EcsNames } from '../ground/ecs-names.ts';
import { runsTaskFamily } from '../ground/task-states.ts';
import { checkDockerfile, type DockerBuild } from './dockerfile/index.ts';
import { checkModelFolder } from './model-folder.ts';
import { checkSmokeTest } from './smoke-test.ts';
import { checkStepsFile } from './steps-file.ts';
import { checkModelLinks } from './model-links.ts';
import { BUILTIN_SUBSTITUTIONS, MAX_DEFINITION_BYTES, preloadJsonata, validateDefinition } from './definition/index.ts';
import { readTextAtMost } from './read-at-most.ts';

/** Larger than any real `.env` (a few names): past it the file is not parsed. */
const MAX_ENV_BYTES = 1024 * 1024;
/** A UTF-8 byte-order mark: the action leaves it out of the definition, so it does not count towards the limit. */
const BOM_BYTES = 3;

export interface ValidationResult {
  findings: Finding[];
  /** The names that resolved (a name with an error is still listed, for the summary). */
  names: Partial<ResourceNames>;
  /** The definition's text as read from disk, when it could be read. */
  definitionText?: string;
  /** The task-definition family and cluster the deploy registers a revision of: an ECS model's, or a Lambda model's whose definition runs the family as a task. */
  ecs?: EcsNames;
}

/**
 * Everything that can be checked without AWS: `.env` names, the definition, and the model folder; with `build`
 * (the image step's Docker build), the Dockerfile against it.
 */
export async function validateModel(config: ModelSettings, build?: DockerBuild): Promise<ValidationResult> {
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

  // Every file is sized before it is read: a pull request may hold a file of any size.
  const env = readTextAtMost(config.envFile, MAX_ENV_BYTES);
  let envText = env?.text?.replace(/^\uFEFF/, '');
  const allNamesGiven = Object.keys(config.nameOverrides).length >= 3;
  const blankRun = envText === undefined ? undefined : costlyBlankRun(envText);
  if (blankRun) {
    envText = undefined;
    findings.push({
      severity: 'error',
      rule: 'names/env-blank-lines',
      file: config.envFile,
      line: blankRun.line,
      column: 1,
      message: `${path.basename(config.envFile)} has ${blankRun.lines} blank lines in a row from here: dotenv's parser would take minutes over them (it reads such a run again from each of its lines), so the action did not read the file. Remove the blank lines.`,
    });
  } else if (env?.tooLarge !== undefined) {
    findings.push({
      severity: 'error',
      rule: 'names/env-too-large',
      file: config.envFile,
      message: `${path.basename(config.envFile)} is ${env.tooLarge}: a model's .env holds a few names (AWS_ECR_REPO_NAME=<the model name>), and the action reads none larger than ${MAX_ENV_BYTES} bytes (1 MiB). Keep only the model's settings in it.`,
    });
  } else if (envText === undefined && !allNamesGiven) {
    findings.push({
      severity: 'error',
      rule: 'names/env-missing',
      file: config.envFile,
      message: 'No .env file: add one with AWS_ECR_REPO_NAME=<the model name>, or give the names as inputs (ecr-repository, lambda-function, bucket).',
    });
  }
  const envEntries = envText === undefined ? null : parseEnvFile(envText);
  const resolution = resolveNames(config.envFile, envEntries, config.nameOverrides);
  if (envText !== undefined || allNamesGiven) findings.push(...resolution.findings);
  const ecsNames = resolveEcsNames(config.envFile, envEntries, config.ecsOverrides, { repositoryName: resolution.names.ecrRepository?.value, modelName: config.modelName });

  // Larger than the limit even without a byte-order mark: Step Functions refuses it, no need to read it. (Between
  // the two, the text is read and validateDefinition decides on the bytes without the mark.)
  const definition = readTextAtMost(config.definitionFile, MAX_DEFINITION_BYTES + BOM_BYTES);
  const rawDefinition = definition?.text;
  const definitionText = rawDefinition?.replace(/^\uFEFF/, '');
  if (definition?.tooLarge !== undefined) {
    findings.push({
      severity: 'error',
      rule: 'asl/size',
      file: config.definitionFile,
      line: 1,
      column: 1,
      message: `The definition ${path.basename(config.definitionFile)} is ${definition.tooLarge}; Step Functions accepts at most ${MAX_DEFINITION_BYTES} bytes (1 MB). Split it (e.g. into nested state machines) or shorten it. The action did not read it further.`,
    });
  } else if (definitionText === undefined && config.kind === 'ecs') {
    // An ECS model runs its notebooks from steps.json: it needs no state machine.
  } else if (definitionText === undefined) {
    findings.push({
      severity: 'error',
      rule: 'definition/missing',
      file: config.definitionFile,
      message: 'No step-functions.json: copy the template into the model folder, or point input `definition` at the state machine definition.',
    });
  } else {
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
    if (definitionText.includes('{%')) await preloadJsonata();
    const definitionFindings = validateDefinition(definitionText, {
      file: config.definitionFile,
      modelFolder: config.modelFolder,
      lambdaFunctionName: resolution.names.lambdaFunction?.value,
      substitutions: new Set([...BUILTIN_SUBSTITUTIONS, ...Object.keys(config.substitutions)]),
    });
    // One by one: a broken definition may give half a million findings, too many to spread as arguments.
    for (const finding of definitionFindings) findings.push(finding);
  }

  findings.push(...checkModelFolder(config.modelFolder, config.modelName));
  if (build) findings.push(...checkDockerfile(build));
  findings.push(...checkStepsFile(config.stepsFile, config.modelFolder, config.kind === 'ecs'));
  if (config.smokeTestFile !== undefined) findings.push(...checkSmokeTest(config.smokeTestFile));
  for (const finding of await checkModelLinks(config.modelFolder, config.docsFolder)) findings.push(finding);
  // An ECS model runs its family; a Lambda model only when its definition runs the family as a task (long steps).
  const family = ecsNames.names?.taskFamily.value;
  const runsFamily = config.kind === 'ecs' || (family !== undefined && definitionText !== undefined && runsTaskFamily(definitionText, family, config.modelName));
  if (runsFamily) findings.push(...ecsNames.findings);
  const kept = config.ignoreRules.size === 0 ? findings : findings.filter((finding) => !config.ignoreRules.has(finding.rule));
  return { findings: capPerFile(collapseRepeats(kept)), names: resolution.names, definitionText, ecs: runsFamily ? ecsNames.names : undefined };
}

/**
 * Findings listed per file, at most: a broken file can give half a million (one per line), which would take the
 * run many seconds to print and summarize, where GitHub shows a few dozen annotations anyway.
 */
export const MAX_FINDINGS_PER_FILE = 1000;

/**
 * The first MAX_FINDINGS_PER_FILE findings of each file (in their order: by position for the definition), then one
 * finding, as severe as the worst one left out, that says how many more there are.
 */
function capPerFile(findings: readonly Finding[]): Finding[] {
  const perFile = new Map<string, { kept: number; left: Finding[] }>();
  const kept: Finding[] = [];
  for (const finding of findings) {
    let file = perFile.get(finding.file);
    if (!file) perFile.set(finding.file, (file = { kept: 0, left: [] }));
    if (file.kept < MAX_FINDINGS_PER_FILE) {
      file.kept += 1;
      kept.push(finding);
    } else {
      file.left.push(finding);
    }
  }
  for (const [file, { left }] of perFile) {
    if (left.length === 0) continue;
    const count = (severity: Finding['severity']) => left.filter((finding) => finding.severity === severity).length;
    const [errors, warnings, notices] = [count('error'), count('warning'), count('notice')];
    const counted = (number: number, noun: string) => (number === 0 ? [] : [`${number} ${noun}${number === 1 ? '' : 's'}`]);
    const parts = [...counted(errors, 'error'), ...counted(warnings, 'warning'), ...counted(notices, 'notice')];
    kept.push({
      severity: errors > 0 ? 'error' : warnings > 0 ? 'warning' : 'notice',
      rule: 'findings/more',
      file,
      line: left[0].line,
      column: left[0].column,
      message: `${left.length} more findings in this file, from here on, are not listed (${parts.join(', ')}): fix the first ${MAX_FINDINGS_PER_FILE}, then validate again.`,
    });
  }
  return kept;
}

/**
 * The same notice or warning repeated across a file (one hard-coded ARN in 1,000 steps) is one finding, at its
 * first place, naming the other lines: a reader needs it once, and GitHub shows only a few annotations per step.
 * Errors stay one per place: each must be fixed where it stands.
 */
function collapseRepeats(findings: readonly Finding[]): Finding[] {
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

/**
 * A file's text; or, when it is larger than `maxBytes`, its size as a phrase (then it is not read); or undefined
 * when there is no such file. At most `maxBytes + 1` bytes are ever read: a symbolic link to a device that never
 * ends (/dev/zero) is "larger" too.
 */
function isDirectory(folder: string): boolean {
  return fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
