/**
 * How the steps speak to whoever runs them. The Action maps this onto @actions/core (src/action/runner.ts), the
 * CLI onto the terminal; tests collect it. Only the doors know which.
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
