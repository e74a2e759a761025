import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { DeployError } from '../../../src/ground/errors.ts';
import type { TaskDefinitionFacts } from '../../../src/ground/resources.ts';
import { findEcsRelease } from '../../../src/ecs/release.ts';
import { EcsStep } from '../../../src/ecs/step.ts';
import { ACCOUNT, COMMIT, NEW_DIGEST, OLD_DIGEST, REPOSITORY_URI, stepContext, testClients, testPreflight } from '../../helpers/step-context.ts';

const ecsMock = mockClient(ECSClient);
const ARN = (revision: number) => `arn:aws:ecs:eu-west-3:${ACCOUNT}:task-definition/quetzal-paris-task:${revision}`;

function facts(containers: Array<Record<string, unknown>>): TaskDefinitionFacts {
  return {
    family: 'quetzal-paris-task',
    arn: ARN(3),
    revision: 3,
    definition: { family: 'quetzal-paris-task', cpu: '1024', memory: '4096', containerDefinitions: containers },
    tags: [{ key: 'team', value: 'models' }, { key: 'quetzal-deploy:commit', value: 'old' }],
    platform: 'linux/amd64',
  };
}

const MODEL = { name: 'quetzal-paris', image: `${REPOSITORY_URI}@${OLD_DIGEST}`, environment: [{ name: 'BUCKET_NAME', value: 'quetzal-paris' }] };
const SIDECAR = { name: 'proxy', image: 'public.ecr.aws/nginx/nginx:1' };

function context(containers = [SIDECAR, MODEL], image = `${REPOSITORY_URI}@${NEW_DIGEST}`) {
  const preflight = testPreflight({ taskDefinition: facts(containers), cluster: { name: 'quetzal-paris', arn: 'arn:cluster' } });
  const ctx = stepContext({ preflight, git: { sha: COMMIT, ref: 'refs/tags/v1.2.0' } });
  (ctx.plans as Map<string, unknown>).set('image', { imageUri: image, tags: [COMMIT] });
  (ctx.outcomes as Map<string, unknown>).set('image', { imageUri: image });
  return ctx;
}

describe('the ECS step', () => {
  beforeEach(() => ecsMock.reset());

  it('finds the model\'s container by repository, not by position, and registers only its image change', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: ARN(3) } });
    ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: ARN(4), revision: 4 } });
    const step = new EcsStep();
    const ctx = context();
    const plan = await step.plan(ctx);
    assert.equal(plan.container, 'quetzal-paris');
    assert.equal(plan.register, true);
    const outcome = await step.apply(plan, ctx);
    assert.deepEqual(outcome, { arn: ARN(4), revision: 4, registered: true, image: `${REPOSITORY_URI}@${NEW_DIGEST}` });
    const [call] = ecsMock.commandCalls(RegisterTaskDefinitionCommand);
    assert.deepEqual(call.args[0].input.containerDefinitions, [SIDECAR, { ...MODEL, image: `${REPOSITORY_URI}@${NEW_DIGEST}` }]);
    assert.equal(call.args[0].input.cpu, '1024');
    assert.deepEqual(call.args[0].input.tags, [{ key: 'team', value: 'models' }, { key: 'quetzal-deploy:commit', value: COMMIT }, { key: 'quetzal-deploy:tag', value: 'v1.2.0' }]);
    assert.equal(step.report(plan, outcome).outputs['ecs-task-definition-arn'], ARN(4));
  });

  it('registers nothing when the latest revision already runs the image', async () => {
    const step = new EcsStep();
    const ctx = context([MODEL], `${REPOSITORY_URI}@${OLD_DIGEST}`);
    const plan = await step.plan(ctx);
    assert.equal(plan.register, false);
    assert.equal(step.report(plan).status, 'unchanged');
    const outcome = await step.apply(plan, ctx);
    assert.equal(outcome.registered, false);
    assert.equal(ecsMock.calls().length, 0);
  });

  it('does not register over a revision registered since the plan', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: ARN(5) } });
    const step = new EcsStep();
    const ctx = context();
    await assert.rejects(step.apply(await step.plan(ctx), ctx), (error: Error) => error instanceof DeployError && /changed since the plan: its latest revision is .*:5, the plan read .*:3/.test(error.message));
    assert.equal(ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 0);
  });

  it('says which containers there are when none runs the model\'s repository', async () => {
    await assert.rejects(new EcsStep().plan(context([SIDECAR])), /No container of ECS task definition .* runs an image of .*quetzal-paris: proxy runs public\.ecr\.aws\/nginx\/nginx:1\./);
  });

  it('undo deregisters the revision it registered, and nothing when it registered none', async () => {
    ecsMock.on(DeregisterTaskDefinitionCommand).resolves({});
    const step = new EcsStep();
    const ctx = context();
    assert.equal(await step.undo({ arn: ARN(4), revision: 4, registered: true, image: 'x' }, ctx), `deregistered ${ARN(4)}`);
    assert.equal(ecsMock.commandCalls(DeregisterTaskDefinitionCommand)[0].args[0].input.taskDefinition, ARN(4));
    assert.equal(await step.undo({ arn: ARN(3), revision: 3, registered: false, image: 'x' }, ctx), undefined);
    assert.equal(ecsMock.commandCalls(DeregisterTaskDefinitionCommand).length, 1);
  });
});

describe('an ECS model\'s releases', () => {
  beforeEach(() => ecsMock.reset());

  it('are found newest first by tag, commit or revision, whatever order the listing has; a longer family is not one', async () => {
    ecsMock.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [ARN(1), ARN(2), ARN(3), `arn:aws:ecs:eu-west-3:${ACCOUNT}:task-definition/quetzal-paris-task-old:9`] });
    const revision = (number: number, commit: string, tag?: string) => ({
      taskDefinition: { revision: number, containerDefinitions: [SIDECAR, { ...MODEL, image: `${REPOSITORY_URI}@sha256:${String(number).repeat(64)}` }] },
      tags: [{ key: 'quetzal-deploy:commit', value: commit }, ...(tag ? [{ key: 'quetzal-deploy:tag', value: tag }] : [])],
    });
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: ARN(1) }).resolves(revision(1, 'a'.repeat(40), 'v1.0.0'));
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: ARN(2) }).resolves(revision(2, 'b'.repeat(40)));
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: ARN(3) }).resolves(revision(3, 'a'.repeat(40), 'v1.0.0'));
    const aws = testClients();
    assert.equal((await findEcsRelease(aws, 'quetzal-paris-task', 'v1.0.0', REPOSITORY_URI)).revision, 3, 'the newest revision of the release');
    assert.equal((await findEcsRelease(aws, 'quetzal-paris-task', 'bbbbbbb', REPOSITORY_URI)).image, `${REPOSITORY_URI}@sha256:${'2'.repeat(64)}`);
    assert.equal((await findEcsRelease(aws, 'quetzal-paris-task', '1', REPOSITORY_URI)).arn, ARN(1));
    await assert.rejects(findEcsRelease(aws, 'quetzal-paris-task', 'v2', REPOSITORY_URI), /No revision of ECS task definition quetzal-paris-task is release v2 \(looked through the newest 3\)/);
    assert.ok(!ecsMock.commandCalls(DescribeTaskDefinitionCommand).some((call) => String(call.args[0].input.taskDefinition).includes('-old')));
  });
});
