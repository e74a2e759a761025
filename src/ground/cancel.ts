/**
 * A cancelled GitHub job gets SIGINT, then SIGTERM a few seconds later, then SIGKILL; a terminal user presses
 * Ctrl-C. On the first signal the run stops starting steps and uploads, undoes nothing (a half-done undo is worse
 * than none), releases its deploy lock and reports, instead of dying mid-way. Both doors use this.
 */
export function cancelOnSignals(onSignal: (signal: NodeJS.Signals) => void): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (controller.signal.aborted) return;
      onSignal(signal);
      controller.abort(new Error(signal));
    });
  }
  return controller.signal;
}
