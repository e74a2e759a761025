/**
 * A small client of the registry HTTP API (distribution v2), as ECR and any docker registry serve it.
 * Used to ask whether a tag exists (and its digest) without Docker, and to add a tag to an existing
 * manifest without pulling or pushing layers. Credentials are sent as HTTP Basic, as ECR expects.
 */
import { DeployError } from '../ground/errors.ts';

/** Manifest media types we accept, single-image ones first. */
export const IMAGE_MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
] as const;
export const INDEX_MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
] as const;
const ACCEPT = [...IMAGE_MANIFEST_TYPES, ...INDEX_MANIFEST_TYPES].join(', ');

export interface RegistryCredentials {
  /** https://host[:port], e.g. ECR's proxyEndpoint. */
  endpoint: string;
  username: string;
  password: string;
}

export interface ManifestInfo {
  digest: string;
  mediaType: string;
}

/** Bytes the image takes in the registry (compressed layers and config), from its manifest; undefined for an index. */
export function compressedSize(manifest: Buffer): number | undefined {
  try {
    const parsed = JSON.parse(manifest.toString('utf8')) as { config?: { size?: number }; layers?: Array<{ size?: number }> };
    if (!Array.isArray(parsed.layers)) return undefined;
    return parsed.layers.reduce((sum, layer) => sum + (layer.size ?? 0), parsed.config?.size ?? 0);
  } catch {
    return undefined;
  }
}

/** Splits `host/path/name[:tag][@digest]`. */
export function parseImageReference(reference: string): { registry: string; repository: string; tag?: string; digest?: string } {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const withoutDigest = at >= 0 ? reference.slice(0, at) : reference;
  const slash = withoutDigest.indexOf('/');
  if (slash < 0) throw new Error(`Image reference "${reference}" has no registry host.`);
  const registry = withoutDigest.slice(0, slash);
  let repository = withoutDigest.slice(slash + 1);
  let tag: string | undefined;
  const colon = repository.lastIndexOf(':');
  if (colon >= 0) {
    tag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
  }
  return { registry, repository, tag, digest };
}

export class RegistryClient {
  readonly endpoint: string;
  readonly #authorization: string;

  constructor(credentials: RegistryCredentials) {
    this.endpoint = credentials.endpoint.replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.endpoint)) this.endpoint = `https://${this.endpoint}`;
    this.#authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  get host(): string {
    return new URL(this.endpoint).host;
  }

  /** The manifest digest and media type of `repository:reference`, or undefined when the tag does not exist. */
  async manifestInfo(repository: string, reference: string): Promise<ManifestInfo | undefined> {
    const response = await this.#request('HEAD', repository, reference);
    if (response.status === 404) return undefined;
    this.#assertOk(response, `look up ${repository}:${reference}`);
    const digest = response.headers.get('docker-content-digest');
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
    if (digest) return { digest, mediaType };
    // Some registries omit the digest on HEAD: fall back to GET and hash the body.
    const manifest = await this.getManifest(repository, reference);
    return manifest && { digest: manifest.digest, mediaType: manifest.mediaType };
  }

  async getManifest(repository: string, reference: string): Promise<(ManifestInfo & { body: Buffer }) | undefined> {
    const response = await this.#request('GET', repository, reference);
    if (response.status === 404) return undefined;
    this.#assertOk(response, `read the manifest of ${repository}:${reference}`);
    const body = Buffer.from(await response.arrayBuffer());
    const { createHash } = await import('node:crypto');
    const digest = response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
    return { digest, mediaType, body };
  }

  /** Points `tag` at an existing manifest (no layer moves). Returns the digest. */
  async tagManifest(repository: string, fromReference: string, tag: string): Promise<string> {
    const manifest = await this.getManifest(repository, fromReference);
    if (!manifest) throw new DeployError(`Cannot tag ${repository}:${tag}: ${fromReference} is not in the registry.`);
    const response = await fetch(this.#url(repository, tag), {
      method: 'PUT',
      headers: { authorization: this.#authorization, 'content-type': manifest.mediaType },
      body: manifest.body,
    });
    this.#assertOk(response, `tag ${repository}:${tag}`);
    return response.headers.get('docker-content-digest') ?? manifest.digest;
  }

  #url(repository: string, reference: string): string {
    return `${this.endpoint}/v2/${repository}/manifests/${encodeURIComponent(reference)}`;
  }

  async #request(method: 'HEAD' | 'GET', repository: string, reference: string): Promise<Response> {
    try {
      return await fetch(this.#url(repository, reference), {
        method,
        headers: { authorization: this.#authorization, accept: ACCEPT },
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new DeployError(
        `The registry ${this.host} does not answer: ${cause?.code ?? ''} ${cause?.message ?? (error as Error).message}`.trim(),
        'Check the network path to the registry and its certificate.',
        { cause: error },
      );
    }
  }

  #assertOk(response: Response, what: string): void {
    if (response.ok) return;
    const hint =
      response.status === 401 || response.status === 403
        ? 'The credentials need ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and, to push, ecr:PutImage and the layer upload permissions.'
        : undefined;
    throw new DeployError(`Could not ${what} in ${this.host}: HTTP ${response.status} ${response.statusText}.`, hint);
  }
}
