/**
 * An ECS model's releases are its task-definition revisions: each one the action registered carries the commit
 * (`quetzal-deploy:commit`) and, on a tag, the tag (`quetzal-deploy:tag`). A rollback finds the newest revision
 * whose tag, commit (7 to 40 hex digits) or revision number is `to`, and runs its image again.
 */
import { DescribeTaskDefinitionCommand, ECSClient, paginateListTaskDefinitions } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../ground/aws.ts';
import { DeployError } from '../ground/errors.ts';
import { clip, printable } from '../ground/printable.ts';

export const COMMIT_TAG = 'quetzal-deploy:commit';
export const RELEASE_TAG = 'quetzal-deploy:tag';

/** How many revisions, newest first, a rollback looks through (each one a DescribeTaskDefinition). */
export const MAX_REVISIONS_READ = 100;
/** How many revision ARNs are listed before the newest are picked. */
const MAX_REVISIONS_LISTED = 10_000;

export interface EcsRelease {
  to: string;
  arn: string;
  revision: number;
  /** The image of the model's container in that revision. */
  image: string;
}

export async function findEcsRelease(aws: AwsClients, family: string, to: string, repositoryUri: string): Promise<EcsRelease> {
  const ecs = aws.client(ECSClient);
  // Newest first, sorted here: not every endpoint honours `sort` (the prefix also matches longer families).
  const arns: string[] = [];
  for await (const page of paginateListTaskDefinitions({ client: ecs }, { familyPrefix: family, sort: 'DESC' })) {
    arns.push(...(page.taskDefinitionArns ?? []).filter((arn) => arn.includes(`:task-definition/${family}:`)));
    if (arns.length >= MAX_REVISIONS_LISTED) break;
  }
  const revisionOf = (arn: string) => Number(arn.slice(arn.lastIndexOf(':') + 1));
  const newest = arns.sort((a, b) => revisionOf(b) - revisionOf(a)).slice(0, MAX_REVISIONS_READ);
  const seen: string[] = [];
  for (const arn of newest) {
    const { taskDefinition, tags = [] } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
    const tag = (key: string) => tags.find((candidate) => candidate.key === key)?.value;
    const commit = tag(COMMIT_TAG);
    const release = tag(RELEASE_TAG);
    const revision = taskDefinition?.revision;
    if (seen.length < 5) seen.push(`${revision}${release ? ` (${clip(printable(release), 60)})` : commit ? ` (${clip(printable(commit), 12)})` : ''}`);
    const matches = release === to || (/^[0-9a-f]{7,40}$/.test(to) && commit?.startsWith(to) === true) || (/^\d+$/.test(to) && String(revision) === to);
    if (!matches) continue;
    const container = taskDefinition?.containerDefinitions?.find((candidate) => candidate.image?.startsWith(`${repositoryUri}@`) || candidate.image?.startsWith(`${repositoryUri}:`));
    if (!container?.image || !/@sha256:[0-9a-f]{64}$/.test(container.image)) {
      throw new DeployError(`Revision ${arn} is release ${to}, but its model container runs no image of ${repositoryUri} by digest.`, 'Roll back to another release, or deploy that commit again.');
    }
    return { to, arn, revision: revision ?? 0, image: container.image };
  }
  const read = newest.length;
  throw new DeployError(
    `No revision of ECS task definition ${family} is release ${to} (looked through the newest ${read}).`,
    `Give a git tag, a commit (7 to 40 hex digits) or a revision number the action registered. The newest: ${seen.join(', ') || 'none'}.`,
  );
}
