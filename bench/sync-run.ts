/**
 * One run of the scenario sync as its own process (as the Action would run it), for bench/sync.ts.
 * Usage: npx node bench/sync-run.ts <endpoint> <bucket> <model-folder> [scenarios]
 * Prints the step outputs as JSON on stdout.
 */
import { AwsClients } from '../src/ground/aws.ts';
import { silentLogger } from '../src/ground/logger.ts';
import { parseSettings } from '../src/ground/settings/index.ts';
import { ScenarioSyncStep } from '../src/scenarios/index.ts';
import { stepContext, testTarget } from '../__tests__/helpers/step-context.ts';

const [endpoint, bucket, modelFolder, scenarios = 'all'] = process.argv.slice(2);
if (!endpoint || !bucket || !modelFolder) {
  console.error('usage: npx node bench/sync-run.ts <endpoint> <bucket> <model-folder> [scenarios]');
  process.exit(2);
}
// The run's own clients, as the Action makes them, pointed at the bench's moto_server.
Object.assign(process.env, { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
const aws = new AwsClients({ region: 'us-east-1' });
const input = (name: string) => (name === 'scenarios' ? scenarios : (process.env[`SYNC_${name.toUpperCase().replace(/-/g, '_')}`] ?? ''));
const context = stepContext({
  settings: parseSettings(input, { workspace: modelFolder }),
  target: testTarget({ bucketName: bucket, modelDir: modelFolder }),
  git: { sha: 'bench' },
  aws,
  logger: silentLogger,
  changedFiles: null,
});
const step = new ScenarioSyncStep();
const started = performance.now();
const plan = await step.plan(context);
const planned = performance.now();
const outcome = await step.apply(plan, context);
const applied = performance.now();
console.log(
  JSON.stringify({
    ...step.report(plan, outcome).outputs,
    'ms-to-start': Math.round(started),
    'ms-plan': Math.round(planned - started),
    'ms-apply': Math.round(applied - planned),
  }),
);
aws.destroy();
