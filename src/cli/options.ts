/**
 * The CLI's options: every input of action.yml (a test keeps this list and action.yml in step), as `--name value`
 * or `--name=value`. Inputs that are true/false may be given alone: `--force-build`.
 */
export const INPUT_OPTIONS = [
  'mode', 'model-folder', 'model-kind', 'env-file', 'definition', 'ecr-repository', 'lambda-function', 'bucket', 'state-machine',
  'ecs-task-definition', 'ecs-cluster',
  'aws-region', 'definition-substitutions', 'fail-on-warnings', 'ignore-rules', 'steps', 'build-context', 'dockerfile', 'build-args',
  'image-tag', 'force-build', 'publish', 'alias', 'wait-timeout-minutes', 'rollback', 'max-attempts', 'scenarios',
  'delete-removed', 'keep', 'exclude', 'locked', 'on-conflict', 'upload-concurrency', 'docs-folder', 'lock-timeout-minutes',
  'lock-ttl-minutes', 'pin-lambda-version', 'keep-lambda-versions', 'to', 'smoke-test', 'smoke-timeout-minutes',
] as const;

/** Inputs of the Action alone: the CLI never comments on a pull request. */
export const ACTION_ONLY_INPUTS = ['comment', 'github-token'] as const;

/** Inputs that take true/false: a bare `--flag` means true. */
export const BOOLEAN_INPUTS = new Set<string>(['fail-on-warnings', 'force-build', 'rollback', 'delete-removed', 'pin-lambda-version']);

/** Options of the CLI alone. */
export const CLI_FLAGS = ['help', 'version', 'summary', 'verbose'] as const;

/** Options of the CLI alone that take a value: `graph --output file.mmd`. */
export const CLI_STRING_OPTIONS = ['output'] as const;

/**
 * A word after a true/false flag that is taken as its value rather than as the model folder: the spellings the
 * parser accepts (true, True, TRUE, false, ...) and the ones it refuses with a message (yes, no, on, off, 1, 0), so
 * that `--force-build yes` fails naming the input instead of deploying a model folder called `yes`.
 */
const BOOLEAN_WORD = /^(true|false|yes|no|on|off|1|0)$/i;

/** `--force-build` alone becomes `--force-build=true`; `--force-build false` and `--force-build=false` stay as written. */
export function expandBareBooleans(argv: readonly string[]): string[] {
  return argv.map((argument, index) => {
    const name = argument.startsWith('--') ? argument.slice(2) : '';
    const next = argv[index + 1];
    return BOOLEAN_INPUTS.has(name) && !(next !== undefined && BOOLEAN_WORD.test(next)) ? `--${name}=true` : argument;
  });
}
