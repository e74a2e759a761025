/**
 * How the core speaks to whoever runs it. The GitHub Action maps this onto @actions/core,
 * the CLI onto the terminal; tests collect it. The core never imports @actions/core.
 */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  /** Marks a value as secret so that no door ever prints it. */
  secret(value: string): void;
  /** Runs `task` inside a collapsible group (GitHub) or under a heading (CLI). */
  group<T>(title: string, task: () => Promise<T>): Promise<T>;
}

export const silentLogger: Logger = {
  info: () => {},
  warning: () => {},
  debug: () => {},
  secret: () => {},
  group: (_title, task) => task(),
};

/**
 * A logger whose messages wait until `release()`, then pass straight through: a task started early (the scenario
 * plan starts before the preflight) writes its lines under its own heading. Secrets are marked at once.
 */
export function heldLogger(target: Logger): Logger & { release(): void } {
  let held: Array<() => void> | undefined = [];
  const hold = (write: () => void) => (held ? held.push(write) : write());
  return {
    info: (message) => hold(() => target.info(message)),
    warning: (message) => hold(() => target.warning(message)),
    debug: (message) => hold(() => target.debug(message)),
    secret: (value) => target.secret(value),
    group: (title, task) => target.group(title, task),
    release() {
      const writes = held ?? [];
      held = undefined;
      for (const write of writes) write();
    },
  };
}
