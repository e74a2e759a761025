/**
 * Every input, parsed once into one typed object before anything else runs (as actions/checkout's input helper
 * and docker/build-push-action's context do): a bad input fails the run at once, naming it, in every mode.
 */
import { inputError, type InputGetter } from '../inputs.ts';
import { parseCommentSettings, type CommentSettings } from './comment.ts';
import { parseDeploySettings, type DeploySettings } from './deploy.ts';
import { parseLockSettings, type LockSettings } from './lock.ts';
import { parseModelSettings, type ModelSettings, type RunContext } from './model.ts';
import { parseSyncSettings, type SyncSettings } from './sync.ts';

export interface Settings {
  /** Where the model is, what it is called, how it is validated. */
  model: ModelSettings;
  /** The container steps: which steps, the image build, publishing, retries. */
  deploy: DeploySettings;
  /** The scenario sync. */
  sync: SyncSettings;
  /** The deploy lock. */
  lock: LockSettings;
  /** The pull-request comment (the Action's alone). */
  comment: CommentSettings;
}

export function parseSettings(get: InputGetter, context: RunContext): Settings {
  const settings = {
    model: parseModelSettings(get, context),
    deploy: parseDeploySettings(get),
    sync: parseSyncSettings(get),
    lock: parseLockSettings(get),
    comment: parseCommentSettings(get),
  };
  const { mode } = settings.model;
  if (mode === 'rollback' && settings.deploy.rollbackTo === undefined) {
    throw inputError('to', '', 'name the release to go back to: a git tag, a commit SHA or a Lambda version number', {
      problem: 'is not set, and `mode: rollback` needs it',
      hideValue: true,
    });
  }
  if (settings.deploy.rollbackTo !== undefined && mode !== 'rollback' && mode !== 'plan') {
    throw inputError('to', settings.deploy.rollbackTo, 'remove it, or set `mode: rollback` (or `mode: plan` to see what a rollback would move)', {
      problem: `is only for a rollback, and the mode is ${mode}`,
    });
  }
  return settings;
}

export type { CommentSettings, DeploySettings, LockSettings, ModelSettings, RunContext, SyncSettings };
