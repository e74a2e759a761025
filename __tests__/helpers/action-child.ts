/**
 * For tests that watch a running action (startAction in ./action.ts hands back its child process): the process
 * tree under it and each process's command line, read from /proc — e.g. to prove no secret is ever an argument.
 */
import fs from 'node:fs';
import { runAction, startAction, actionBundle, type ActionRunOptions, type ChildAction } from './action.ts';

export { startAction, actionBundle, type ChildAction };
export type ChildActionOptions = ActionRunOptions;

/** Runs the action to its end (startAction(...).done). */
export const runActionChild = runAction;

/** PIDs of every descendant of `pid` (children, grandchildren, ...), read from /proc. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A process's arguments (/proc/<pid>/cmdline, NUL-separated), or undefined when it has ended. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg, index, all) => arg !== '' || index < all.length - 1);
  } catch {
    return undefined;
  }
}
