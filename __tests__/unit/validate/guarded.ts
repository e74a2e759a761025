/**
 * For tests that a hostile input ends: calls an exported function in a worker thread, and fails when it has not
 * returned after a generous time (the worker is then stopped). A synchronous loop in the test's own thread could
 * not be stopped: the test would hang instead of failing. A guard, not a measure: speed is measured in bench/.
 */
import { Worker } from 'node:worker_threads';

export function callGuarded<T>(module: URL, exported: string, args: readonly unknown[], seconds = 60): Promise<T> {
  const worker = new Worker(new URL('./guarded-worker.ts', import.meta.url), { workerData: { module: module.href, exported, args } });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`${exported}() had not returned after ${seconds} s`));
    }, seconds * 1000);
    worker.once('message', (result: T) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
