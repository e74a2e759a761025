#!/usr/bin/env node
/**
 * One bundle, two doors. A GitHub runner starts `node dist/index.js` with no arguments and GITHUB_ACTIONS=true:
 * that is the Action. Anything else — `quetzal-deploy validate model/`, or the bare command on a laptop, which
 * prints the usage — is the CLI.
 */
import { run } from './action/main.ts';
import { main } from './cli/main.ts';

if (process.argv.length <= 2 && process.env.GITHUB_ACTIONS === 'true') {
  await run();
} else {
  process.exitCode = await main(process.argv.slice(2), process.env, process.stdout, process.stderr);
}
