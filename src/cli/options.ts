/**
 * The CLI's options: every input of action.yml (a test keeps this list and action.yml in step), as `--name value`
 * or `--name=value`. Inputs that are true/false may be given alone: `--force-build`.
 */
export const INPUT_OPTIONS = [
  'mode', 'model-folder', 'env-file', 'definition', 'ecr-repository', 'lambda-function', 'bucket', 'state-machine',
  'aws-region', 'definition-substitutions', 'fail-on-warnings', 'steps', 'build-context', 'dockerfile', 'build-args',
  'image-tag', 'force-build', 'publish', 'alias', 'wait-timeout-minutes', 'rollback', 'max-attempts', 'scenarios',
  'delete-removed', 'keep', 'locked', 'on-conflict', 'upload-concurrency', 'docs-folder', 'lock-timeout-minutes',
  'lock-ttl-minutes',
] as const;

/** Inputs that take true/false: a bare `--flag` means true. */
export const BOOLEAN_INPUTS = new Set<string>(['fail-on-warnings', 'force-build', 'rollback', 'delete-removed']);

/** Options of the CLI alone. */
export const CLI_FLAGS = ['help', 'version', 'summary', 'verbose'] as const;
