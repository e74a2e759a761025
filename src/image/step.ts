/**
 * The image step: build the model's image from the folder above the model folder, for the Lambda's platform,
 * and push it to the ECR repository under the commit SHA (and the git tag on tag refs). When the tag is
 * already in the repository, nothing is built or pushed (unless force-build); missing extra tags are added
 * by pointing them at the existing manifest.
 */
import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { describeError } from '../ground/aws-errors.ts';
import { DeployError } from '../ground/errors.ts';
import { formatBytes } from '../ground/format.ts';
import { dockerBuildOf, imageTagsFor } from '../ground/settings/deploy.ts';
import type { Resource } from '../ground/resources.ts';
import type { Step, StepContext, StepName, StepReport } from '../ground/step.ts';
import { CliDockerEngine, type DockerEngine } from './docker.ts';
import { INDEX_MANIFEST_TYPES, RegistryClient, compressedSize, parseImageReference, type RegistryCredentials } from './registry.ts';

export interface ImagePlan {
  repositoryUri: string;
  /** Tags in push order; the first is the primary tag (IMAGE_TAG). */
  tags: string[];
  platform: string;
  /** build = build and push; reuse = the primary tag is already in the repository. */
  action: 'build' | 'reuse';
  /** Why a build is needed or not, for the summary. */
  reason: string;
  /** Digest of the primary tag when it exists. */
  existingDigest?: string;
  /** Tags to add to the existing manifest (reuse only). */
  missingTags: string[];
  context: string;
  dockerfile: string;
  cacheFrom: string[];
  /** The image the deploy will use when it is already known (reuse), as repository@digest. */
  imageUri?: string;
}

export interface ImageOutcome {
  repositoryUri: string;
  tags: string[];
  digest: string;
  /** repository@digest */
  imageUri: string;
  built: boolean;
  /** Layers uploaded by docker push (0 when nothing was pushed). */
  layersPushed: number;
  tagsAdded: string[];
  /** Bytes the image takes in the registry (compressed), when its manifest says. */
  sizeBytes?: number;
}

export interface ImageStepOptions {
  /** The Docker engine (default: the docker CLI on PATH). */
  docker?: DockerEngine;
  /** The clock for the OCI `created` label. */
  now?: () => Date;
  /** What runs the image, whose platform it is built for: the Lambda function (default) or an ECS model's task definition. */
  runsOn?: 'lambda' | 'ecs';
}

export class ImageStep implements Step<ImagePlan, ImageOutcome> {
  readonly name = 'image' as const;
  readonly title = 'Image';
  readonly needs: readonly Resource[];
  readonly #now: () => Date;
  #docker?: DockerEngine;
  #registry?: { client: RegistryClient; credentials: RegistryCredentials };

  constructor(options: ImageStepOptions = {}) {
    this.#docker = options.docker;
    this.#now = options.now ?? (() => new Date());
    this.needs = options.runsOn === 'ecs' ? ['ecrRepository', 'ecsTaskDefinition'] : ['ecrRepository', 'lambdaFunction'];
  }

  /** Planned for the Lambda alone too, which needs to know which image it runs (never built then). */
  isPlanned(selected: ReadonlySet<StepName>): boolean {
    return selected.has('image') || selected.has('lambda') || selected.has('ecs');
  }

  async plan(context: StepContext): Promise<ImagePlan> {
    const { preflight, git, settings, selected } = context;
    // Without the image step, the Lambda uses the tag as it is in the repository: never plan a build.
    const options = selected.has('image') ? settings.deploy : { ...settings.deploy, forceBuild: false };
    const repository = preflight.repository;
    const platform = preflight.function?.platform ?? preflight.taskDefinition?.platform;
    if (!repository || !platform) throw new Error('ImageStep needs the repository, and the function or the task definition, from the preflight.');
    const tags = imageTagsFor(options, git);
    const { context: buildContext, dockerfile } = dockerBuildOf(options, buildModel(context), tags[0]);
    const { client } = await this.#registryClient(context);
    const repositoryPath = parseImageReference(repository.uri).repository;

    const [existing, ...others] = await Promise.all(tags.map((tag) => client.manifestInfo(repositoryPath, tag)));
    const base = { repositoryUri: repository.uri, tags, platform, context: buildContext, dockerfile, missingTags: [] as string[] };

    let reuse = false;
    let reason: string;
    if (!existing) {
      reason = `tag ${tags[0]} is not in the repository`;
    } else if ((INDEX_MANIFEST_TYPES as readonly string[]).includes(existing.mediaType)) {
      reason = `tag ${tags[0]} is an image index (${existing.mediaType}), which Lambda rejects: rebuilding`;
    } else if (options.forceBuild) {
      reason = `tag ${tags[0]} exists, rebuilding because force-build is true`;
    } else {
      reuse = true;
      reason = `tag ${tags[0]} is already in the repository`;
    }

    if (reuse && existing) {
      const missingTags = tags.filter((tag, index) => index > 0 && others[index - 1]?.digest !== existing.digest);
      return {
        ...base,
        action: 'reuse',
        reason,
        existingDigest: existing.digest,
        missingTags,
        cacheFrom: [],
        imageUri: `${repository.uri}@${existing.digest}`,
      };
    }

    if (!selected.has('image')) {
      throw new DeployError(
        existing
          ? `The Lambda step needs image ${repository.uri}:${tags[0]}, which is an image index (${existing.mediaType}): Lambda needs a single image manifest.`
          : `The Lambda step needs image ${repository.uri}:${tags[0]}, which is not in the repository.`,
        'Add `image` to input `steps`, or set input `image-tag` to a tag that was pushed.',
      );
    }
    await mustExist(buildContext, 'build context', 'input `build-context`');
    await mustExist(dockerfile, 'Dockerfile', 'input `dockerfile`');
    // A deploy builds: the Docker daemon must answer before anything is written.
    if (context.mode === 'deploy') await this.#dockerFor(context).info();
    // The image running now is the cache to build from, when it is one of the model's repository.
    const running = preflight.function?.imageUri;
    const cacheFrom = running !== undefined && (running.startsWith(`${repository.uri}:`) || running.startsWith(`${repository.uri}@`)) ? [running] : [];
    return { ...base, action: 'build', reason, existingDigest: existing?.digest, cacheFrom };
  }

  async apply(plan: ImagePlan, context: StepContext): Promise<ImageOutcome> {
    const { logger } = context;
    const repositoryPath = parseImageReference(plan.repositoryUri).repository;
    const { client, credentials } = await this.#registryClient(context);
    if (plan.action === 'reuse' && plan.existingDigest) {
      for (const tag of plan.missingTags) {
        logger.info(`Tagging ${plan.repositoryUri}@${plan.existingDigest} as ${tag} (no build, no layer pushed).`);
        await client.tagManifest(repositoryPath, plan.existingDigest, tag);
      }
      logger.info(`Image ${plan.repositoryUri}:${plan.tags[0]} is already in the repository: nothing built or pushed.`);
      const manifest = await client.getManifest(repositoryPath, plan.existingDigest);
      return {
        sizeBytes: manifest && compressedSize(manifest.body),
        repositoryUri: plan.repositoryUri,
        tags: plan.tags,
        digest: plan.existingDigest,
        imageUri: `${plan.repositoryUri}@${plan.existingDigest}`,
        built: false,
        layersPushed: 0,
        tagsAdded: plan.missingTags,
      };
    }

    const { settings, git } = context;
    const docker = this.#dockerFor(context);
    const references = plan.tags.map((tag) => `${plan.repositoryUri}:${tag}`);
    try {
      await docker.login(credentials.endpoint, credentials.username, credentials.password);
      const labels: Record<string, string> = {
        'org.opencontainers.image.revision': git.sha ?? '',
        'org.opencontainers.image.created': this.#now().toISOString(),
      };
      if (git.repositoryUrl) labels['org.opencontainers.image.source'] = git.repositoryUrl;
      const { builder } = await docker.build({
        context: plan.context,
        dockerfile: plan.dockerfile,
        tags: references,
        buildArgs: dockerBuildOf(settings.deploy, buildModel(context), plan.tags[0]).buildArgs,
        labels,
        platform: plan.platform,
        cacheFrom: plan.cacheFrom,
      });
      logger.info(`Built with the ${builder} builder.`);
      let digest = '';
      let layersPushed = 0;
      for (const reference of references) {
        const pushed = await docker.push(reference);
        if (digest && pushed.digest !== digest) {
          throw new DeployError(`Pushing ${reference} gave digest ${pushed.digest}, not ${digest}.`);
        }
        digest = pushed.digest;
        layersPushed += pushed.layersPushed;
      }
      const stored = await client.getManifest(repositoryPath, plan.tags[0]);
      if (!stored || stored.digest !== digest) {
        throw new DeployError(`The registry does not show ${references[0]} at ${digest} after the push.`);
      }
      if ((INDEX_MANIFEST_TYPES as readonly string[]).includes(stored.mediaType)) {
        throw new DeployError(
          `${references[0]} was pushed as an image index (${stored.mediaType}); Lambda needs a single image manifest.`,
          'Build one platform without attestations (--provenance=false --sbom=false).',
        );
      }
      return {
        sizeBytes: compressedSize(stored.body),
        repositoryUri: plan.repositoryUri,
        tags: plan.tags,
        digest,
        imageUri: `${plan.repositoryUri}@${digest}`,
        built: true,
        layersPushed,
        tagsAdded: plan.tags,
      };
    } finally {
      await docker.dispose();
    }
  }

  report(plan: ImagePlan, outcome?: ImageOutcome): StepReport {
    return outcome ? reportOutcome(outcome) : reportPlan(plan);
  }

  #dockerFor(context: StepContext): DockerEngine {
    this.#docker ??= new CliDockerEngine({ logger: context.logger });
    return this.#docker;
  }

  async #registryClient({ aws, logger, preflight }: StepContext): Promise<{ client: RegistryClient; credentials: RegistryCredentials }> {
    if (this.#registry) return this.#registry;
    let output;
    try {
      output = await aws.client(ECRClient).send(
        new GetAuthorizationTokenCommand(preflight.repository?.registryId ? { registryIds: [preflight.repository.registryId] } : {}),
      );
    } catch (error) {
      throw new DeployError(`ECR GetAuthorizationToken failed: ${describeError(error)}`, 'The role needs ecr:GetAuthorizationToken.', {
        cause: error,
      });
    }
    const data = output.authorizationData?.[0];
    if (!data?.authorizationToken || !data.proxyEndpoint) throw new DeployError('ECR GetAuthorizationToken returned no token.');
    const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const credentials = { endpoint: data.proxyEndpoint, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    logger.secret(credentials.password);
    logger.secret(data.authorizationToken);
    this.#registry = { client: new RegistryClient(credentials), credentials };
    return this.#registry;
  }
}

async function mustExist(path: string, what: string, input: string): Promise<void> {
  try {
    await access(path, fsConstants.R_OK);
  } catch {
    throw new DeployError(`The ${what} ${path} does not exist.`, `Check ${input}.`);
  }
}

function reportPlan(plan: ImagePlan): StepReport {
  const details: StepReport['details'] = [
    ['Repository', plan.repositoryUri],
    ['Tags', plan.tags.join(', ')],
    ['Platform', plan.platform],
    ['Why', plan.reason],
  ];
  if (plan.action === 'reuse') {
    details.push(['Digest', plan.existingDigest ?? '']);
    if (plan.missingTags.length > 0) details.push(['Tags to add', plan.missingTags.join(', ')]);
  } else {
    details.push(['Build context', plan.context], ['Dockerfile', plan.dockerfile]);
    if (plan.cacheFrom.length > 0) details.push(['Build cache from', plan.cacheFrom.join(', ')]);
  }
  return {
    step: 'image',
    status: plan.action === 'reuse' ? (plan.missingTags.length > 0 ? 'present, would add tags' : 'present, no build') : 'would build and push',
    details,
    outputs: plan.imageUri ? { 'image-uri': plan.imageUri, 'image-digest': plan.existingDigest ?? '' } : {},
  };
}

function reportOutcome(outcome: ImageOutcome): StepReport {
  return {
    step: 'image',
    status: outcome.built ? 'built and pushed' : outcome.tagsAdded.length > 0 ? 'present, tags added' : 'unchanged',
    details: [
      ['Image', outcome.imageUri],
      ['Tags', outcome.tags.join(', ')],
      ['Layers pushed', String(outcome.layersPushed)],
      ...(outcome.sizeBytes === undefined ? [] : [['Size (compressed)', formatBytes(outcome.sizeBytes)] as [string, string]]),
    ],
    outputs: { 'image-uri': outcome.imageUri, 'image-digest': outcome.digest },
  };
}

/** The model the image is built from: the deploy target's folder, relative inputs read from the workspace. */
function buildModel({ settings, target }: StepContext): { workspace: string; modelFolder: string; modelName: string } {
  return { workspace: settings.model.workspace, modelFolder: target.modelDir, modelName: basename(target.modelDir) };
}
