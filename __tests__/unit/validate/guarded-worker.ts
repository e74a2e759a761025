/** The worker thread of callGuarded: imports the module, calls the function, posts back what it returned. */
import { parentPort, workerData } from 'node:worker_threads';

const { module, exported, args } = workerData as { module: string; exported: string; args: unknown[] };
const loaded = (await import(module)) as Record<string, (...values: unknown[]) => unknown>;
parentPort!.postMessage(await loaded[exported](...args));
