/**
 * One run of the scenario sync as its own process (as the Action would run it), for bench/sync.ts.
 * Usage: npx node bench/sync-run.ts <endpoint> <bucket> <model-folder> [scenarios]
 * Prints the step outputs as JSON on stdout.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { ScenarioSyncStep, parseSyncOptions } from '../src/scenarios/index.ts';
import { silentLogger } from '../src/ground/logger.ts';

const [endpoint, bucket, modelFolder, scenarios = 'all'] = process.argv.slice(2);
if (!endpoint || !bucket || !modelFolder) {
  console.error('usage: npx node bench/sync-run.ts <endpoint> <bucket> <model-folder> [scenarios]');
  process.exit(2);
}
const s3 = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const step = new ScenarioSyncStep({
  s3,
  logger: silentLogger,
  options: parseSyncOptions((name) => (name === 'scenarios' ? scenarios : (process.env[`SYNC_${name.toUpperCase().replace(/-/g, '_')}`] ?? ''))),
  bucket,
  modelFolder,
  commitSha: 'bench',
  changedFiles: null,
});
const started = performance.now();
const plan = await step.plan();
const planned = performance.now();
const outcome = await step.apply(plan);
const applied = performance.now();
console.log(
  JSON.stringify({
    ...step.reportOutcome(outcome).outputs,
    'ms-to-start': Math.round(started),
    'ms-plan': Math.round(planned - started),
    'ms-apply': Math.round(applied - planned),
  }),
);
s3.destroy();
