/**
 * The ECS step, for an ECS model (and a Lambda model whose definition runs its family as a task): the task-definition family's latest ACTIVE revision, registered again with the
 * container that runs the model's repository now running the pushed digest. Every other field is carried over as
 * it is, tags included (the backend's terraform ignores changes to the container definitions: the image is the
 * deployer's to set). The same image as the latest revision registers nothing. Undo deregisters the new revision.
 */
import { DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { describeError } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import { tagOfRef } from '../ground/git.ts';
import { digestOf } from '../ground/resources.ts';
import type { Step, StepContext, StepReport } from '../ground/step.ts';
import type { ImageOutcome, ImagePlan } from '../image/step.ts';
import { COMMIT_TAG, findEcsRelease, RELEASE_TAG, type EcsRelease } from './release.ts';

export { COMMIT_TAG, RELEASE_TAG };

export interface EcsPlan {
  family: string;
  cluster: string;
  /** The latest ACTIVE revision the plan read. */
  currentArn: string;
  currentRevision: number;
  container: string;
  currentImage: string;
  /** repository@digest when the image is known at plan time (reused); else the tag to be pushed. */
  image: string;
  /** False when the latest revision already runs the image: nothing to register. */
  register: boolean;
  definition: Record<string, unknown>;
  tags: Array<{ key: string; value: string }>;
  /** A rollback: the release whose image runs again. */
  release?: EcsRelease;
}

export interface EcsOutcome {
  /** The revision the model runs now: the new one, or the one already running the image. */
  arn: string;
  revision: number;
  registered: boolean;
  image: string;
}


export class EcsStep implements Step<EcsPlan, EcsOutcome> {
  readonly name = 'ecs' as const;
  readonly title = 'ECS task definition';
  readonly needs = ['ecrRepository', 'ecsTaskDefinition', 'ecsCluster'] as const;

  async plan(context: StepContext): Promise<EcsPlan> {
    const { preflight, target, git } = context;
    const facts = preflight.taskDefinition;
    const repository = preflight.repository;
    if (!facts || !repository || !preflight.cluster) throw new Error('EcsStep needs the task definition, the cluster and the repository from the preflight.');
    const containers = Array.isArray(facts.definition.containerDefinitions) ? (facts.definition.containerDefinitions as Array<Record<string, unknown>>) : [];
    // Found by repository, not by position: a sidecar may come first.
    const model = containers.find((container) => typeof container.image === 'string' && repositoryOf(container.image) === repository.uri);
    if (!model) {
      throw new DeployError(
        `No container of ECS task definition ${facts.arn} runs an image of ${repository.uri}: ${containers.map((container) => `${String(container.name)} runs ${String(container.image)}`).join('; ') || 'it has no container'}.`,
        `Terraform's task definition ${facts.family} should have one container (named after the model) running an image of the model's repository ${target.repositoryName}.`,
      );
    }
    // A Lambda model's task runs the image built for its function: one image, one platform.
    if (preflight.function && preflight.function.platform !== facts.platform) {
      throw new DeployError(
        `The definition runs ECS task definition ${facts.family}, which runs on ${facts.platform}, and the model's image is built for Lambda function ${preflight.function.name} on ${preflight.function.platform}.`,
        `Give both the same architecture: runtime_platform.cpu_architecture of ${facts.family} and the function's architectures, in terraform.`,
      );
    }
    const rollbackTo = context.settings.deploy.rollbackTo;
    const release = rollbackTo === undefined ? undefined : await findEcsRelease(context.aws, facts.family, rollbackTo, repository.uri);
    const imagePlan = context.plans.get('image') as ImagePlan | undefined;
    const image = release?.image ?? imagePlan?.imageUri ?? `${repository.uri}:${imagePlan?.tags[0] ?? git.sha ?? 'latest'}`;
    const currentImage = String(model.image);
    const register = !(digestOf(image) !== undefined && digestOf(image) === digestOf(currentImage));
    const tags = facts.tags.filter((tag): tag is { key: string; value: string } => typeof tag.key === 'string' && typeof tag.value === 'string' && tag.key !== COMMIT_TAG && tag.key !== RELEASE_TAG);
    // A rollback's revision is the release's again: it keeps the release's commit and tag.
    const releaseTags = release ? (await releaseTagsOf(context, release)) : { commit: git.sha, tag: tagOfRef(git.ref) };
    if (releaseTags.commit) tags.push({ key: COMMIT_TAG, value: releaseTags.commit });
    if (releaseTags.tag) tags.push({ key: RELEASE_TAG, value: releaseTags.tag });
    return {
      family: facts.family,
      cluster: preflight.cluster.name,
      currentArn: facts.arn,
      currentRevision: facts.revision,
      container: String(model.name),
      currentImage,
      image,
      register,
      definition: facts.definition,
      tags,
      release,
    };
  }

  async apply(plan: EcsPlan, context: StepContext): Promise<EcsOutcome> {
    const image = plan.release?.image ?? (context.outcomes.get('image') as ImageOutcome | undefined)?.imageUri ?? plan.image;
    if (!digestOf(image)) throw new Error('The ECS step needs the image as repository@sha256:digest.');
    if (digestOf(image) === digestOf(plan.currentImage)) {
      return { arn: plan.currentArn, revision: plan.currentRevision, registered: false, image };
    }
    const ecs = context.aws.client(ECSClient);
    // The write is conditional on what the plan saw: a revision registered since then is not overwritten by ours.
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: plan.family }));
    if (latest.taskDefinition?.taskDefinitionArn !== plan.currentArn) {
      throw new DeployError(
        `ECS task definition ${plan.family} changed since the plan: its latest revision is ${latest.taskDefinition?.taskDefinitionArn ?? 'gone'}, the plan read ${plan.currentArn}. Nothing was registered.`,
        'Someone else registered a revision meanwhile: re-run the job to plan from it.',
      );
    }
    const containers = (plan.definition.containerDefinitions as Array<Record<string, unknown>>).map((container) =>
      container.name === plan.container ? { ...container, image } : container,
    );
    const input = { ...plan.definition, containerDefinitions: containers, tags: plan.tags.length > 0 ? plan.tags : undefined } as unknown as RegisterTaskDefinitionCommandInput;
    try {
      const { taskDefinition } = await ecs.send(new RegisterTaskDefinitionCommand(input));
      if (!taskDefinition?.taskDefinitionArn) throw new Error('RegisterTaskDefinition answered no ARN.');
      context.logger.info(`Registered ${taskDefinition.taskDefinitionArn}: container ${plan.container} runs ${image}.`);
      return { arn: taskDefinition.taskDefinitionArn, revision: taskDefinition.revision ?? 0, registered: true, image };
    } catch (error) {
      throw new DeployError(`ECS RegisterTaskDefinition for ${plan.family} failed: ${describeError(error)}`, 'The deploy role needs ecs:RegisterTaskDefinition, ecs:TagResource and iam:PassRole on the task and execution roles.', { cause: error });
    }
  }

  async undo(outcome: EcsOutcome, context: StepContext): Promise<string | undefined> {
    if (!outcome.registered) return undefined;
    await context.aws.client(ECSClient).send(new DeregisterTaskDefinitionCommand({ taskDefinition: outcome.arn }));
    return `deregistered ${outcome.arn}`;
  }

  report(plan: EcsPlan, outcome?: EcsOutcome): StepReport {
    const status = outcome ? (outcome.registered ? `registered revision ${outcome.revision}` : 'unchanged') : plan.register ? 'would register a revision' : 'unchanged';
    const details: Array<[string, string]> = [
      ...(plan.release ? [['Release', `${plan.release.to}: revision ${plan.release.revision}`] as [string, string]] : []),
      ['Family', plan.family],
      ['Cluster', plan.cluster],
      ['Container', plan.container],
      ['Image before', plan.currentImage],
      ['Image', outcome?.image ?? plan.image],
      ['Revision', outcome ? (outcome.registered ? `${plan.currentRevision} → ${outcome.revision}` : String(plan.currentRevision)) : plan.register ? `${plan.currentRevision} → a new one` : String(plan.currentRevision)],
    ];
    return { step: 'ecs', status, details, outputs: { 'ecs-task-definition-arn': outcome?.arn ?? plan.currentArn } };
  }
}

/** The commit and tag a release's revision carries. */
async function releaseTagsOf(context: StepContext, release: EcsRelease): Promise<{ commit?: string; tag?: string }> {
  const { tags = [] } = await context.aws.client(ECSClient).send(new DescribeTaskDefinitionCommand({ taskDefinition: release.arn, include: ['TAGS'] }));
  const value = (key: string) => tags.find((tag) => tag.key === key)?.value;
  return { commit: value(COMMIT_TAG), tag: value(RELEASE_TAG) };
}

/** `host/repo` of `host/repo:tag` or `host/repo@sha256:…`. */
function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}
