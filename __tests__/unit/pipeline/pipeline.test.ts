/**
 * The pipeline, with steps that record what is asked of them: every plan before any write, applies in order,
 * undo in reverse after a failure (or not, with rollback off), the lock around the writes, cancellation between
 * steps, and plan mode writing nothing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeployError } from '../../../src/ground/errors.ts';
import type { Resource } from '../../../src/ground/resources.ts';
import type { Step, StepContext, StepName } from '../../../src/ground/step.ts';
import { PipelineError, collectOutputs, runPipeline, type Lock, type Pipeline } from '../../../src/pipeline/pipeline.ts';
import { stepContext, testPreflight } from '../../helpers/step-context.ts';

interface FakeOptions {
  needs?: Resource[];
  failPlan?: boolean;
  failApply?: boolean;
  undoable?: boolean;
  failUndo?: boolean;
  plannedWith?: StepName;
}

/** A step that logs `<name>.plan`, `<name>.apply`, `<name>.undo` into `calls`. */
function fakeStep(name: StepName, calls: string[], options: FakeOptions = {}): Step<string, string> {
  const step: Step<string, string> = {
    name,
    title: `Step ${name}`,
    needs: options.needs ?? [],
    async plan(context) {
      calls.push(`${name}.plan`);
      if (options.failPlan) throw new DeployError(`${name} cannot be planned`);
      return `plan of ${name} after ${[...context.plans.keys()].join('+') || 'nothing'}`;
    },
    async apply(plan, context) {
      calls.push(`${name}.apply`);
      if (options.failApply) throw new DeployError(`${name} failed`, `fix ${name}`);
      return `outcome of ${name} after ${[...context.outcomes.keys()].join('+') || 'nothing'}`;
    },
    report: (plan, outcome) => ({ step: name, status: outcome ? 'done' : 'would do', details: [['plan', plan]], outputs: { [`${name}-out`]: outcome ?? plan } }),
  };
  if (options.plannedWith) step.isPlanned = (selected) => selected.has(name) || selected.has(options.plannedWith!);
  if (options.undoable) {
    step.undo = async (outcome) => {
      calls.push(`${name}.undo`);
      if (options.failUndo) throw new Error(`${name} undo refused`);
      return `${name} put back (${outcome})`;
    };
  }
  return step;
}

function pipeline(steps: Step<string, string>[], overrides: Partial<Pipeline> & { mode?: 'plan' | 'deploy'; selected?: StepName[]; signal?: AbortSignal } = {}) {
  const context = stepContext({ mode: overrides.mode ?? 'deploy', selected: new Set(overrides.selected ?? steps.map((step) => step.name)), signal: overrides.signal });
  const needs: Resource[][] = [];
  const run: Pipeline = {
    steps: steps as Step[],
    facts: context,
    preflight: async (asked) => {
      needs.push([...asked]);
      return testPreflight();
    },
    undoOnFailure: true,
    ...overrides,
  };
  return { run, needs, context: context as StepContext & ReturnType<typeof stepContext> };
}

function recordingLock(calls: string[], options: { lostBefore?: string } = {}): () => Promise<Lock> {
  return async () => {
    calls.push('lock.take');
    return {
      assertHeld: () => {
        calls.push('lock.check');
        if (options.lostBefore && calls.at(-2) === options.lostBefore) throw new DeployError('the deploy lock was taken by another run');
      },
      release: async () => {
        calls.push('lock.release');
      },
    };
  };
}

describe('deploy mode', () => {
  test('every step is planned before any is applied, then applied in the list order, each seeing the plans and outcomes before it', async () => {
    const calls: string[] = [];
    const { run } = pipeline([fakeStep('image', calls), fakeStep('lambda', calls), fakeStep('state-machine', calls)]);
    const result = await runPipeline(run);
    assert.deepEqual(calls, ['image.plan', 'lambda.plan', 'state-machine.plan', 'image.apply', 'lambda.apply', 'state-machine.apply']);
    assert.deepEqual(result.reports.map((report) => report.details[0][1]), ['plan of image after nothing', 'plan of lambda after image', 'plan of state-machine after image+lambda']);
    assert.deepEqual(collectOutputs(result.reports), {
      'image-out': 'outcome of image after nothing',
      'lambda-out': 'outcome of lambda after image',
      'state-machine-out': 'outcome of state-machine after image+lambda',
    });
    assert.ok(result.reports.every((report) => typeof report.seconds === 'number'), 'applied steps are timed');
  });

  test('a plan that fails stops the run before anything is written', async () => {
    const calls: string[] = [];
    const { run } = pipeline([fakeStep('image', calls), fakeStep('lambda', calls, { failPlan: true }), fakeStep('state-machine', calls)], {
      lock: recordingLock(calls),
    });
    await assert.rejects(runPipeline(run), /lambda cannot be planned/);
    assert.deepEqual(calls, ['image.plan', 'lambda.plan']);
  });

  test('a step that fails undoes the steps applied before it, last first; the error says what was put back', async () => {
    const calls: string[] = [];
    const { run } = pipeline([
      fakeStep('image', calls),
      fakeStep('lambda', calls, { undoable: true }),
      fakeStep('state-machine', calls, { undoable: true }),
      fakeStep('scenarios', calls, { failApply: true }),
    ]);
    await assert.rejects(runPipeline(run), (error: unknown) => {
      assert.ok(error instanceof PipelineError);
      assert.equal(error.message, 'scenarios failed\nstate-machine put back (outcome of state-machine after image+lambda)\nlambda put back (outcome of lambda after image)');
      assert.equal(error.hint, 'fix scenarios');
      assert.deepEqual(error.reports.map((report) => report.step), ['image', 'lambda', 'state-machine'], 'the reports of the steps done');
      return true;
    });
    assert.deepEqual(calls.slice(-3), ['scenarios.apply', 'state-machine.undo', 'lambda.undo']);
  });

  test('with rollback off, nothing is undone and the error names what is left as applied', async () => {
    const calls: string[] = [];
    const { run } = pipeline([fakeStep('lambda', calls, { undoable: true }), fakeStep('state-machine', calls, { failApply: true })], { undoOnFailure: false });
    await assert.rejects(runPipeline(run), (error: Error) => {
      assert.equal(error.message, 'state-machine failed\nLeft as applied (rollback is off): lambda (done).');
      return true;
    });
    assert.ok(!calls.includes('lambda.undo'));
  });

  test('an undo that fails is reported with the failure, and the hint says to put things back by hand', async () => {
    const calls: string[] = [];
    const { run } = pipeline([fakeStep('lambda', calls, { undoable: true, failUndo: true }), fakeStep('state-machine', calls, { failApply: true })]);
    await assert.rejects(runPipeline(run), (error: unknown) => {
      assert.ok(error instanceof DeployError);
      assert.match(error.message, /^state-machine failed\nUndoing the lambda step ALSO failed: lambda undo refused$/);
      assert.match(error.hint ?? '', /by hand/);
      return true;
    });
  });

  test('when an undo fails, the steps before it are not undone (old and new never mixed), and the error names them', async () => {
    const calls: string[] = [];
    const { run } = pipeline([
      fakeStep('lambda', calls, { undoable: true }),
      fakeStep('state-machine', calls, { undoable: true, failUndo: true }),
      fakeStep('scenarios', calls, { failApply: true }),
    ]);
    await assert.rejects(runPipeline(run), (error: unknown) => {
      assert.ok(error instanceof DeployError);
      assert.equal(error.message, 'scenarios failed\nUndoing the state-machine step ALSO failed: state-machine undo refused\nNot undone, so as not to mix old and new: lambda (done).');
      return true;
    });
    assert.ok(!calls.includes('lambda.undo'));
  });

  test('a run cancelled during a step undoes nothing: the job is about to be killed, and says what is left as applied', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const scenarios = fakeStep('scenarios', calls, { failApply: true });
    const apply = scenarios.apply;
    scenarios.apply = async (plan, context) => {
      controller.abort(new Error('SIGINT'));
      return apply(plan, context);
    };
    const { run } = pipeline([fakeStep('lambda', calls, { undoable: true }), scenarios], { signal: controller.signal });
    await assert.rejects(runPipeline(run), (error: Error) => {
      assert.equal(error.message, 'scenarios failed\nLeft as applied (the run was cancelled): lambda (done).');
      return true;
    });
    assert.ok(!calls.includes('lambda.undo'));
  });

  test('a lock that may no longer be held undoes nothing: another deploy may have written since', async () => {
    const calls: string[] = [];
    let held = true;
    const scenarios = fakeStep('scenarios', calls, { failApply: true });
    const apply = scenarios.apply;
    scenarios.apply = async (plan, context) => {
      held = false;
      return apply(plan, context);
    };
    const lock = async (): Promise<Lock> => ({
      assertHeld: () => {
        if (!held) throw new DeployError('the lock expired');
      },
      release: async () => {},
    });
    const { run } = pipeline([fakeStep('lambda', calls, { undoable: true }), scenarios], { lock });
    await assert.rejects(runPipeline(run), (error: Error) => {
      assert.equal(error.message, "scenarios failed\nLeft as applied (the deploy lock may no longer be this run's: the lock expired): lambda (done).");
      return true;
    });
  });

  test('the lock is taken after every plan, checked before each write, and released at the end', async () => {
    const calls: string[] = [];
    const { run } = pipeline([fakeStep('image', calls), fakeStep('lambda', calls)], { lock: recordingLock(calls) });
    await runPipeline(run);
    assert.deepEqual(calls, ['image.plan', 'lambda.plan', 'lock.take', 'lock.check', 'image.apply', 'lock.check', 'lambda.apply', 'lock.release']);
  });

  test('a lock lost between two steps stops the run before the next write, and is still released', async () => {
    const calls: string[] = [];
    const { run } = pipeline([fakeStep('image', calls), fakeStep('lambda', calls)], { lock: recordingLock(calls, { lostBefore: 'image.apply' }) });
    await assert.rejects(runPipeline(run), /the deploy lock was taken by another run/);
    assert.deepEqual(calls.slice(-3), ['image.apply', 'lock.check', 'lock.release']);
    assert.ok(!calls.includes('lambda.apply'));
  });

  test('the lock is released when a step fails', async () => {
    const calls: string[] = [];
    const { run } = pipeline([fakeStep('image', calls, { failApply: true })], { lock: recordingLock(calls) });
    await assert.rejects(runPipeline(run), /image failed/);
    assert.equal(calls.at(-1), 'lock.release');
  });

  test('a cancelled run starts no further step and says the steps above are done', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const image = fakeStep('image', calls);
    const apply = image.apply;
    image.apply = async (plan, context) => {
      const outcome = await apply(plan, context);
      controller.abort(new Error('SIGTERM'));
      return outcome;
    };
    const { run } = pipeline([image, fakeStep('lambda', calls)], { signal: controller.signal, lock: recordingLock(calls) });
    await assert.rejects(runPipeline(run), (error: unknown) => {
      assert.ok(error instanceof PipelineError);
      assert.match(error.message, /^The run was cancelled \(SIGTERM\) before this step; the steps above are done\.$/);
      assert.deepEqual(error.reports.map((report) => report.step), ['image']);
      return true;
    });
    assert.ok(!calls.includes('lambda.apply'));
    assert.equal(calls.at(-1), 'lock.release');
  });

  test('a step not selected is reported as skipped and never applied; one planned for another (the image for the Lambda) is planned only', async () => {
    const calls: string[] = [];
    const { run } = pipeline([fakeStep('image', calls, { plannedWith: 'lambda' }), fakeStep('lambda', calls), fakeStep('scenarios', calls)], { selected: ['lambda'] });
    const result = await runPipeline(run);
    assert.deepEqual(calls, ['image.plan', 'lambda.plan', 'lambda.apply']);
    assert.deepEqual(result.reports.map((report) => `${report.step}: ${report.status}`), ['image: skipped (not in steps)', 'lambda: done', 'scenarios: skipped (not in steps)']);
  });

  test('the preflight checks what the planned steps need, and the bucket when a lock is taken', async () => {
    const calls: string[] = [];
    const steps = [fakeStep('image', calls, { needs: ['ecrRepository', 'lambdaFunction'] }), fakeStep('state-machine', calls, { needs: ['lambdaFunction', 'stateMachine'] })];
    const withLock = pipeline(steps, { lock: recordingLock(calls) });
    await runPipeline(withLock.run);
    assert.deepEqual(withLock.needs[0].sort(), ['bucket', 'ecrRepository', 'lambdaFunction', 'stateMachine']);
    const onlyImage = pipeline(steps, { selected: ['image'] });
    await runPipeline(onlyImage.run);
    assert.deepEqual(onlyImage.needs[0].sort(), ['ecrRepository', 'lambdaFunction']);
  });
});

describe('plan mode', () => {
  test('plans every selected step, applies none, takes no lock, and reports the plans', async () => {
    const calls: string[] = [];
    const { run } = pipeline([fakeStep('image', calls), fakeStep('lambda', calls, { undoable: true })], { mode: 'plan', lock: recordingLock(calls) });
    const result = await runPipeline(run);
    assert.deepEqual(calls, ['image.plan', 'lambda.plan']);
    assert.deepEqual(result.reports.map((report) => report.status), ['would do', 'would do']);
  });
});
