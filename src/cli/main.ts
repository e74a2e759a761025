import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cancelOnSignals } from '../ground/cancel.ts';
import { DeployError } from '../ground/errors.ts';
import { parseSettings } from '../ground/settings/index.ts';
import { sortFindings } from '../ground/findings.ts';
import { git, type GitContext } from '../ground/git.ts';
import type { InputGetter } from '../ground/inputs.ts';
import type { Logger } from '../ground/logger.ts';
import { outputLines, printable } from '../ground/printable.ts';
import { pictureOf } from '../pipeline/picture.ts';
import { runModel, type RunResult } from '../pipeline/run.ts';
import { findingLocation, renderSummary } from '../pipeline/summary.ts';
import { VERSION } from '../version.ts';
import { CLI_FLAGS, CLI_STRING_OPTIONS, INPUT_OPTIONS, expandBareBooleans } from './options.ts';

const USAGE = `Usage: quetzal-deploy <validate|plan|deploy> [model-folder] [--input-name value ...]
       quetzal-deploy rollback <to> [model-folder] [--input-name value ...]
       quetzal-deploy graph [model-folder] [--output file.mmd]

Every input of the GitHub Action is an option: --env-file, --definition, --bucket, --lambda-function,
--ecr-repository, --state-machine, --aws-region, --definition-substitutions, --fail-on-warnings, ...
or an environment variable QUETZAL_<INPUT_NAME> (e.g. QUETZAL_AWS_REGION). Credentials come from the usual AWS
chain (AWS_PROFILE, environment, SSO). --summary prints the Markdown job summary at the end.

validate   check .env, step-functions.json, Dockerfile and ignore file; no AWS call. Exit 1 on errors.
plan       say what a deploy would change, writing nothing.
deploy     build and push the image, update the Lambda and the state machine, sync scenarios.
rollback   go back to the release <to> (a git tag, a commit or a Lambda version number): the state machine's
           definition, the Lambda's image and the alias (--alias); scenario data stays as it is.
           \`plan --to <to>\` says what it would move, writing nothing.
graph      print the state machine as a Mermaid flowchart, its states marked with validation's findings
           (--output writes it to a file); no AWS call.`;

interface Output {
  write(text: string): unknown;
}

/** The CLI's door onto the core: the same engine as the Action, with terminal output. Returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, rawStdout: Output, rawStderr: Output): Promise<number> {
  // Everything the CLI prints passes here: inside a workflow no line is a command, on a terminal no escape sequence.
  const stdout = neutralOutput(rawStdout);
  const stderr = neutralOutput(rawStderr);
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: expandBareBooleans(argv), options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    stderr.write(`quetzal-deploy: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    stdout.write(`quetzal-deploy ${VERSION}\n`);
    return 0;
  }
  const [mode, ...rest] = positionals;
  const rollbackTo = mode === 'rollback' ? rest.shift() : undefined;
  const [modelFolder] = rest;
  if (values.help || !mode || !['validate', 'plan', 'deploy', 'rollback', 'graph'].includes(mode) || (mode === 'rollback' && !rollbackTo)) {
    (values.help ? stdout : stderr).write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }

  const get: InputGetter = (name) => {
    if (name === 'mode') return mode === 'graph' ? 'validate' : mode;
    if (name === 'model-folder' && modelFolder !== undefined) return modelFolder;
    if (name === 'to' && rollbackTo !== undefined) return rollbackTo;
    const flag = values[name];
    if (typeof flag === 'string') return flag;
    return env[`QUETZAL_${name.toUpperCase().replace(/-/g, '_')}`] ?? '';
  };
  const workspace = process.cwd();
  const logger = terminalLogger(stdout, stderr, Boolean(values.verbose));

  try {
    const settings = parseSettings(get, {
      workspace,
      environmentRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    });
    const signal = cancelOnSignals((name) => logger.warning(`${name}: finishing the current step, then stopping.`));
    const config = settings.model;
    const result = await runModel(settings, { logger, signal, git: config.mode === 'validate' ? {} : await localGit(config.modelFolder) });
    if (mode === 'graph') return writeGraph(result, typeof values.output === 'string' ? values.output : undefined, stdout, stderr);
    for (const finding of sortFindings(result.validation.findings)) {
      stdout.write(`${printable(findingLocation(finding, workspace))}: ${finding.severity}: ${printable(finding.message)} [${finding.rule}]\n`);
    }
    for (const step of result.steps) {
      stdout.write(`${step.step}: ${step.status}\n`);
      for (const [label, value] of step.details) stdout.write(`  ${label}: ${printable(value)}\n`);
      if (step.markdown && !values.summary) stdout.write(`${step.markdown.replace(/^/gm, '  ')}\n`);
    }
    if (values.summary) stdout.write(`\n${renderSummary(result, workspace, VERSION)}\n`);
    if (result.failure) {
      stderr.write(`${result.failure.message}${result.failure.hint ? ` ${result.failure.hint}` : ''}\n`);
      return 1;
    }
    const { errors, warnings, notices } = result.outputs;
    stdout.write(`${path.relative(workspace, config.modelFolder) || '.'}: ${mode} passed (${errors} errors, ${warnings} warnings, ${notices} notices)\n`);
    return 0;
  } catch (error) {
    const hint = error instanceof DeployError && error.hint ? ` ${error.hint}` : '';
    stderr.write(`quetzal-deploy: ${error instanceof Error ? error.message : String(error)}${hint}\n`);
    return 1;
  }
}

/** `graph`: the picture's Mermaid text on stdout, or in the file of `--output`; its note and the findings' count on stderr. */
function writeGraph(result: RunResult, output: string | undefined, stdout: Output, stderr: Output): number {
  const picture = pictureOf(result);
  const { errors, warnings } = result.outputs;
  if (picture?.mermaid === undefined) {
    stderr.write(`quetzal-deploy: nothing to draw: ${picture?.note ?? `${result.definitionFile} could not be read as JSON`}\n`);
    return 1;
  }
  if (output === undefined) stdout.write(`${picture.mermaid}\n`);
  else fs.writeFileSync(path.resolve(output), `${picture.mermaid}\n`);
  if (picture.note) stderr.write(`${picture.note}\n`);
  stderr.write(`${picture.states} states, ${errors} errors, ${warnings} warnings marked${output === undefined ? '' : `; written to ${output}`}\n`);
  return 0;
}

const OPTIONS: Record<string, { type: 'string' | 'boolean' }> = Object.fromEntries([
  ...INPUT_OPTIONS.map((name) => [name, { type: 'string' }]),
  ...CLI_STRING_OPTIONS.map((name) => [name, { type: 'string' }]),
  ...CLI_FLAGS.map((name) => [name, { type: 'boolean' }]),
]);

function neutralOutput(output: Output): Output {
  return {
    write: (text: string) => {
      const ended = text.endsWith('\n');
      return output.write(`${outputLines(ended ? text.slice(0, -1) : text).join('\n')}${ended ? '\n' : ''}`);
    },
  };
}

function terminalLogger(stdout: Output, stderr: Output, verbose: boolean): Logger {
  const secrets: string[] = [];
  const mask = (text: string) => secrets.reduce((masked, secret) => masked.split(secret).join('***'), text);
  return {
    info: (message) => stdout.write(`${mask(message)}\n`),
    warning: (message) => stderr.write(`warning: ${mask(message)}\n`),
    debug: (message) => {
      if (verbose) stderr.write(`debug: ${mask(message)}\n`);
    },
    secret: (value) => {
      if (value) secrets.push(value);
    },
    group: async (title, task) => {
      stdout.write(`== ${title}\n`);
      return task();
    },
  };
}

/** On a laptop the commit comes from git itself. */
async function localGit(folder: string): Promise<GitContext> {
  const ask = async (...args: string[]): Promise<string | undefined> => {
    try {
      return (await git(folder, args)).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const sha = await ask('rev-parse', 'HEAD');
  const tag = sha ? await ask('describe', '--tags', '--exact-match', sha) : undefined;
  return {
    sha,
    ref: tag ? `refs/tags/${tag}` : await ask('symbolic-ref', '-q', 'HEAD'),
    runId: `cli-${os.hostname()}-${process.pid}`,
    actor: os.userInfo().username,
  };
}
