/** The `base` scenario check: refused when a sync of scenarios would leave none, a warning when no scenario is synced. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { DeployError } from '../../../src/ground/errors.ts';
import type { Logger } from '../../../src/ground/logger.ts';
import { checkBaseRemains, syncsAScenario } from '../../../src/scenarios/base.ts';
import type { PrefixDecision } from '../../../src/scenarios/decide.ts';
import { removedLocallyPlan } from '../../../src/scenarios/plan.ts';
import { COMMON_TARGET, scenarioTarget, type TargetPlan, type TargetStatus } from '../../../src/scenarios/types.ts';

const folders: string[] = [];
after(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function modelFolder(withBase: boolean): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'base-check-'));
  folders.push(folder);
  await mkdir(join(folder, 'scenarios', withBase ? 'base' : 'other'), { recursive: true });
  return folder;
}

function logger() {
  const warnings: string[] = [];
  const debug: string[] = [];
  const log: Logger = { info: () => {}, warning: (m) => warnings.push(m), debug: (m) => debug.push(m), secret: () => {}, group: (_t, task) => task() };
  return { log, warnings, debug };
}

/** S3 must not be asked: the tests give the read of base/ (`baseCheck`). */
const noS3 = new Proxy({}, { get: () => assert.fail('S3 was asked') }) as S3Client;

function plan(name: string, status: TargetStatus, decision?: Partial<PrefixDecision>): TargetPlan {
  const target = name === '_common' ? COMMON_TARGET : scenarioTarget(name);
  const full: PrefixDecision | undefined = decision && { uploads: [], deletes: [], conflicts: [], unchanged: [], keptArtifacts: [], remoteOnly: [], carriedEntries: new Map(), ...decision };
  return { ...target, status, manifest: null, notes: [], ...(full ? { decision: full } : {}) };
}

/** A failed read of base/, as the plan starts it: handled later (step.ts marks it caught at once). */
function failedRead(error: Error): Promise<boolean> {
  const read = Promise.reject(error);
  read.catch(() => {});
  return read;
}

const check = async (targets: TargetPlan[], baseCheck: Promise<boolean> | undefined, withBase = true) => {
  const { log, warnings, debug } = logger();
  const where = { s3: noS3, bucket: 'bucket', modelFolder: await modelFolder(withBase), logger: log };
  await checkBaseRemains(targets, where, baseCheck);
  return { warnings, debug };
};

describe('syncsAScenario', () => {
  test('a scenario prefix syncs a scenario, even unchanged or locked; _common/ and one removed locally do not', () => {
    assert.equal(syncsAScenario([]), false);
    assert.equal(syncsAScenario([plan('_common', 'sync'), removedLocallyPlan('gone')]), false);
    assert.equal(syncsAScenario([plan('other', 'unchanged')]), true);
    assert.equal(syncsAScenario([plan('other', 'locked')]), true);
  });
});

describe('checkBaseRemains', () => {
  test('a sync of scenarios after which no base would exist is refused', async () => {
    await assert.rejects(check([plan('other', 'sync')], Promise.resolve(false)), (error: unknown) => error instanceof DeployError && /No "base" scenario would exist in s3:\/\/bucket\/base\//.test(error.message) && /Include base/.test(error.hint ?? ''));
    await assert.rejects(check([plan('other', 'sync')], Promise.resolve(false), false), (error: unknown) => error instanceof DeployError && /Add a base scenario under .*scenarios\/base\//.test(error.hint ?? ''));
  });

  test('passes when base is there remotely, or synced', async () => {
    assert.deepEqual(await check([plan('other', 'sync')], Promise.resolve(true)), { warnings: [], debug: [] });
    const synced = plan('base', 'sync', { uploads: [{ rel: 'a.csv', path: '/m/scenarios/base/a.csv', size: 1, reason: 'new', artifact: false, planned: null }] as PrefixDecision['uploads'] });
    assert.deepEqual(await check([synced], undefined), { warnings: [], debug: [] });
  });

  test('a run that syncs no scenario is not refused: it warns when the bucket has no base', async () => {
    for (const targets of [[], [plan('_common', 'sync')], [removedLocallyPlan('gone')]]) {
      const { warnings } = await check(targets, Promise.resolve(false));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /^No "base" scenario in s3:\/\/bucket\/base\/; the web app needs one\. This run syncs no scenario, so it goes on\. Include base/);
    }
    assert.deepEqual(await check([plan('_common', 'sync')], Promise.resolve(true)), { warnings: [], debug: [] });
  });

  test('a run that syncs no scenario does not fail on the read of base/ either', async () => {
    const { warnings, debug } = await check([plan('_common', 'sync')], failedRead(Object.assign(new Error('denied'), { name: 'AccessDenied' })));
    assert.deepEqual(warnings, []);
    assert.match(debug.join('\n'), /Could not tell whether s3:\/\/bucket\/base\/ holds a scenario \(AccessDenied: denied\)/);
    await assert.rejects(check([plan('other', 'sync')], failedRead(new Error('denied'))), /denied/, 'a sync of scenarios still needs the answer');
  });
});
