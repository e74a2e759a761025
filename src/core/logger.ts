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
