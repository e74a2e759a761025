/** A model repository as a runner checks it out: the example model in a fresh git repository. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, copyModel } from './action.ts';

export const EXAMPLE_MODEL = path.join(ROOT, 'example', 'quetzal-example');

export interface ModelRepo {
  workspace: string;
  model: string;
  /** Commits everything in the model folder; returns the new commit's SHA. */
  commit(message: string): string;
  git(...args: string[]): string;
}

export function modelRepo(): ModelRepo {
  const { workspace, model } = copyModel(EXAMPLE_MODEL);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: model, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  const repo: ModelRepo = {
    workspace,
    model,
    git,
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
  return repo;
}

export function write(file: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}
