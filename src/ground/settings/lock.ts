import { MAX_JOB_MINUTES, getNumber, type InputGetter } from '../inputs.ts';

/** Inputs `lock-timeout-minutes` and `lock-ttl-minutes`: how long to wait for another deploy's lock, how long ours lives. */
export interface LockSettings {
  timeoutMinutes: number;
  ttlMinutes: number;
}

/** Defaults of the action inputs. The wait is longer than the TTL, so a crashed run never makes the next one fail. */
export const DEFAULT_LOCK_TIMEOUT_MINUTES = 15;
export const DEFAULT_LOCK_TTL_MINUTES = 10;

/** Reads the action inputs `lock-timeout-minutes` and `lock-ttl-minutes` ('' = default). */
export function parseLockSettings(get: InputGetter): LockSettings {
  return {
    timeoutMinutes: getNumber(get, 'lock-timeout-minutes', {
      min: 0,
      max: MAX_JOB_MINUTES,
      fallback: DEFAULT_LOCK_TIMEOUT_MINUTES,
      unit: 'minutes',
      hint: 'Use 0 to fail at once when another deploy of the model runs.',
    }),
    ttlMinutes: getNumber(get, 'lock-ttl-minutes', { min: 1, max: MAX_JOB_MINUTES, fallback: DEFAULT_LOCK_TTL_MINUTES, unit: 'minutes' }),
  };
}
