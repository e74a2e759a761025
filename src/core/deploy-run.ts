import type { ModelConfig } from './config.ts';
import type { RunDependencies, RunResult } from './run.ts';
import type { ValidationResult } from '../validate/index.ts';

/** plan and deploy modes. Wired to the deploy steps once they land. */
export async function runDeploy(
  config: ModelConfig,
  _validation: ValidationResult,
  _dependencies: RunDependencies,
): Promise<Pick<RunResult, 'steps' | 'outputs' | 'failure'>> {
  return {
    steps: [],
    outputs: {},
    failure: { message: `mode \`${config.mode}\` is not available yet in this version: use \`mode: validate\`.` },
  };
}
