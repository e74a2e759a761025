/**
 * The model's Dockerfile, checked against the build the action runs (its context, its ignore file, the build args it
 * sets) before any build:
 * - every `COPY`/`ADD` source is in the build context and not excluded by the ignore file (an error: the build
 *   would fail on it, minutes in);
 * - the build cache survives a commit that changes only notebooks (warnings): no build arg with a new value on every
 *   commit declared above a `RUN`, and the model folder not copied above the dependency install.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Finding } from '../../ground/findings.ts';
import { IgnoreBudgetExceeded, InvalidDockerPattern, compileDockerPattern, parseIgnoreLine, type IgnoreBudget, type IgnorePattern } from '../docker-ignore.ts';
import { readTextAtMost } from '../read-at-most.ts';
import { assignments, expand, parseDockerfile, splitWords, type Instruction } from './parse.ts';

/** The build as the image step runs it. */
export interface DockerBuild {
  /** Absolute paths. */
  dockerfile: string;
  context: string;
  modelFolder: string;
  /** The build args the action passes: QUETZAL_MODEL_NAME, IMAGE_TAG and input `build-args`. */
  buildArgs: Readonly<Record<string, string>>;
  /** The build args whose value changes on every commit (IMAGE_TAG, a `build-args` value holding the commit). */
  perCommitArgs: ReadonlySet<string>;
}

/** Far larger than any real Dockerfile (a few dozen lines). */
const MAX_DOCKERFILE_BYTES = 256 * 1024;
const MAX_IGNORE_BYTES = 64 * 1024;
/** Entries read from one folder to match a wildcard source: past it the source is not checked. */
const MAX_LISTING = 10_000;
/** Matcher steps for the ignore check of all sources (as the ignore file check's budget, some 0.2 s). */
const IGNORE_STEPS = 20_000_000;
/** A dependency install: what makes a layer slow to rebuild. */
const INSTALL = /\b(?:pip3?|conda|mamba|micromamba|poetry|pipenv|uv|apt-get|apt|apk|yum|dnf|microdnf|npm|yarn|pnpm)\s+(?:[^&|;]*\s)?(?:install|sync|ci|add)\b/;
const BACKEND_REPOSITORY = 'quetzal-network-editor-backend';

interface IgnoreLine extends IgnorePattern {
  line: number;
}

export function checkDockerfile(build: DockerBuild): Finding[] {
  const text = readSmallFile(build.dockerfile, MAX_DOCKERFILE_BYTES);
  if (text === undefined) return [];
  const ignore = readIgnoreFile(build);
  const findings: Finding[] = [];
  const at = (instruction: Instruction) => ({ file: build.dockerfile, line: instruction.line, column: 1 });
  const budget: IgnoreBudget = { steps: IGNORE_STEPS };
  const globalArgs = new Map<string, string | undefined>();
  let stage: Stage | undefined;

  for (const instruction of parseDockerfile(text)) {
    const { keyword } = instruction;
    if (keyword === 'FROM') {
      stage = { values: new Map(), perCommit: [], modelCopy: undefined, warnedArgs: false, warnedCopy: false };
    } else if (keyword === 'ARG') {
      for (const { name, value } of assignments('ARG', instruction.args)) {
        const given = name in build.buildArgs ? build.buildArgs[name] : undefined;
        if (!stage) {
          globalArgs.set(name, given ?? value);
          continue;
        }
        // Declared without a value and not given: Docker reads it as empty.
        stage.values.set(name, given ?? (value === undefined ? (globalArgs.get(name) ?? '') : expand(value, stage.values)));
        if (build.perCommitArgs.has(name)) stage.perCommit.push({ name, instruction });
      }
    } else if (keyword === 'ENV' && stage) {
      for (const { name, value } of assignments('ENV', instruction.args)) stage.values.set(name, value === undefined ? undefined : expand(value, stage.values));
    } else if (keyword === 'RUN' && stage) {
      if (stage.perCommit.length > 0 && !stage.warnedArgs) {
        stage.warnedArgs = true;
        const [first] = stage.perCommit;
        findings.push({
          severity: 'warning',
          rule: 'docker/cache-busting-arg',
          ...at(first.instruction),
          message: `ARG ${first.name} is declared above the RUN at line ${instruction.line}, and the action gives it a new value on every commit: Docker then runs every RUN after it again, the dependency install included, on every build. Move ARG ${first.name} (and any ENV that uses it) below the dependency install, just before its first use.`,
        });
      }
      if (stage.modelCopy && !stage.warnedCopy && INSTALL.test(instruction.args)) {
        stage.warnedCopy = true;
        findings.push({
          severity: 'warning',
          rule: 'docker/copy-before-install',
          ...at(stage.modelCopy.instruction),
          message: `${stage.modelCopy.what} is copied above the dependency install at line ${instruction.line}: every notebook change reinstalls the dependencies. Copy requirements.txt first (COPY \${QUETZAL_MODEL_NAME}/requirements.txt .), install, then copy the model folder.`,
        });
      }
    } else if ((keyword === 'COPY' || keyword === 'ADD') && stage) {
      for (const source of contextSources(instruction)) {
        const filled = expand(source, stage.values);
        if (filled === undefined) continue;
        const problem = sourceProblem(filled, build, ignore, budget);
        if (problem) findings.push({ severity: 'error', rule: problem.rule, ...at(instruction), message: `${keyword} source ${JSON.stringify(source)}${filled === source ? '' : ` (${JSON.stringify(filled)})`}: ${problem.message}` });
        const absolute = path.join(build.context, filled);
        if (!stage.modelCopy && isSameOrAncestor(absolute, build.modelFolder)) {
          stage.modelCopy = { instruction, what: path.resolve(absolute) === path.resolve(build.modelFolder) ? `The model folder (line ${instruction.line})` : `The whole build context, model folder included (line ${instruction.line}),` };
        }
      }
    }
  }
  return findings;
}

interface Stage {
  /** ARG and ENV values known so far (undefined: declared without a value). */
  values: Map<string, string | undefined>;
  perCommit: Array<{ name: string; instruction: Instruction }>;
  modelCopy: { instruction: Instruction; what: string } | undefined;
  warnedArgs: boolean;
  warnedCopy: boolean;
}

/** The sources of a COPY or ADD that come from the build context (not `--from` a stage, a URL or a here-document). */
function contextSources(instruction: Instruction): string[] {
  let words: string[];
  const args = instruction.args.trim();
  if (args.startsWith('[')) {
    try {
      const parsed = JSON.parse(args) as unknown;
      words = Array.isArray(parsed) && parsed.every((word) => typeof word === 'string') ? parsed : splitWords(args);
    } catch {
      words = splitWords(args);
    }
  } else {
    words = splitWords(args);
  }
  const flags = words.filter((word) => word.startsWith('--'));
  if (flags.some((flag) => flag.startsWith('--from='))) return [];
  const paths = words.filter((word) => !word.startsWith('--'));
  return paths.slice(0, -1).filter((source) => !source.startsWith('<<') && !/^(https?:\/\/|git@|git:\/\/)/.test(source));
}

/** What is wrong with a source, relative to the context: missing, outside it, or excluded by the ignore file. */
function sourceProblem(source: string, build: DockerBuild, ignore: { file: string; lines: IgnoreLine[] } | undefined, budget: IgnoreBudget): { rule: string; message: string } | undefined {
  const relative = path.posix.normalize(source.replace(/\\/g, '/')).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  const context = build.context;
  if (relative === '..' || relative.startsWith('../')) {
    return { rule: 'docker/copy-source-missing', message: `it is outside the build context ${context}: Docker sends only the context. Copy from inside it, or set input \`build-context\` to a folder holding both.` };
  }
  const matches = relative === '' || relative === '.' ? ['.'] : matchingPaths(context, relative);
  if (matches === undefined) return undefined;
  if (matches.length === 0) {
    const sibling = relative.split('/')[0];
    const checkout = sibling === BACKEND_REPOSITORY
      ? ` It is a file of the Quetzal backend: check it out beside the model (actions/checkout with \`repository: systragroup/${BACKEND_REPOSITORY}\` and \`path: ${BACKEND_REPOSITORY}\`).`
      : sibling !== path.basename(build.modelFolder) && !fs.existsSync(path.join(context, sibling))
        ? ` Nothing named ${sibling} is in the context: if it is another repository, check it out there (actions/checkout with \`path: ${sibling}\`).`
        : '';
    return { rule: 'docker/copy-source-missing', message: `nothing at ${path.join(context, relative)}, in the build context ${context}: the build would fail here.${checkout}` };
  }
  if (!ignore) return undefined;
  let excludedBy: IgnoreLine | undefined;
  try {
    for (const match of matches) {
      excludedBy = excludingLine(match, ignore.lines, budget);
      if (!excludedBy) return undefined;
    }
  } catch (error) {
    if (error instanceof IgnoreBudgetExceeded) return undefined;
    throw error;
  }
  return excludedBy && {
    rule: 'docker/copy-source-ignored',
    message: `${relative} is excluded by ${path.basename(ignore.file)} line ${excludedBy.line} (\`${excludedBy.text}\`), so Docker does not send it and the build would fail here. Narrow that line, or add \`!${relative}\` below it.`,
  };
}

/** The ignore line that excludes `candidate` (the last matching line decides), or undefined. */
function excludingLine(candidate: string, lines: readonly IgnoreLine[], budget: IgnoreBudget): IgnoreLine | undefined {
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    if (lines[index].matcher.matchesPathOrParent(candidate, budget)) return lines[index].negated ? undefined : lines[index];
  }
  return undefined;
}

/**
 * The paths under `context` a source names, its wildcards (`*`, `?`, `[...]`) matched one folder at a time as Docker
 * matches them; undefined when the check cannot tell (a folder too large to list, a pattern Docker refuses).
 */
function matchingPaths(context: string, relative: string): string[] | undefined {
  let found = [''];
  for (const segment of relative.split('/')) {
    const next: string[] = [];
    if (!/[*?[\\]/.test(segment)) {
      for (const base of found) {
        const candidate = base === '' ? segment : `${base}/${segment}`;
        if (fs.lstatSync(path.join(context, candidate), { throwIfNoEntry: false })) next.push(candidate);
      }
    } else {
      let pattern;
      try {
        pattern = compileDockerPattern(segment);
      } catch (error) {
        if (error instanceof InvalidDockerPattern) return undefined;
        throw error;
      }
      for (const base of found) {
        const folder = path.join(context, base);
        if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) continue;
        const entries = fs.readdirSync(folder);
        if (entries.length > MAX_LISTING) return undefined;
        for (const entry of entries) if (pattern.matches(entry)) next.push(base === '' ? entry : `${base}/${entry}`);
      }
    }
    found = next;
    if (found.length === 0) return [];
    if (found.length > MAX_LISTING) return undefined;
  }
  return found;
}

/** The ignore file the build uses: `<Dockerfile>.dockerignore` (BuildKit; the action gives it to the legacy builder too), else the context's `.dockerignore`. */
function readIgnoreFile(build: DockerBuild): { file: string; lines: IgnoreLine[] } | undefined {
  for (const file of [`${build.dockerfile}.dockerignore`, path.join(build.context, '.dockerignore')]) {
    const text = readSmallFile(file, MAX_IGNORE_BYTES);
    if (text === undefined) continue;
    const lines: IgnoreLine[] = [];
    for (const [index, line] of text.split(/\r\n|\r|\n/).entries()) {
      try {
        const pattern = parseIgnoreLine(line);
        if (pattern) lines.push({ ...pattern, line: index + 1 });
      } catch (error) {
        if (!(error instanceof InvalidDockerPattern)) throw error;
      }
    }
    return { file, lines };
  }
  return undefined;
}

function isSameOrAncestor(folder: string, of: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(of));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** A file's text, when it is there and at most `maxBytes` long (a larger one is not checked). */
function readSmallFile(file: string, maxBytes: number): string | undefined {
  return readTextAtMost(file, maxBytes)?.text;
}
