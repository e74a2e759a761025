// The local account's "ECR registry": a TLS front for the Debian docker-registry (distribution v2) that
// behaves, where the deploy action can tell, like <account>.dkr.ecr.<region>.amazonaws.com:
//   - Basic authentication with the token moto's ECR GetAuthorizationToken hands out (user "AWS");
//     anything else gets 401, as ECR answers a wrong or missing `docker login`;
//   - a repository that moto's ECR does not know gets 404 NAME_UNKNOWN, as ECR answers a push to a
//     repository terraform never created;
//   - every manifest the registry accepts is mirrored into moto's ECR (PutImage with the same bytes, media type,
//     tag and digest) BEFORE the push is answered, so DescribeImages/BatchGetImage and Lambda's image check
//     (moto runs with MOTO_LAMBDA_STUB_ECR=false) agree with what `docker push` really stored.
// Everything else (blobs, uploads, pulls) is streamed to the registry unchanged.
//
// Configuration (environment, set by start.sh): FRONT_HOST, FRONT_ADDRESS, FRONT_PORT, BACKEND_URL, MOTO_URL, AWS_REGION,
// TLS_CERT, TLS_KEY. Run with Node >= 24 (type stripping).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {
  ECRClient,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  PutImageCommand,
  RepositoryNotFoundException,
  ImageAlreadyExistsException,
} from '@aws-sdk/client-ecr';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`registry-front: environment variable ${name} is required`);
    process.exit(2);
  }
  return value;
}

const frontHost = required('FRONT_HOST');
const frontPort = Number(required('FRONT_PORT'));
const backend = new URL(required('BACKEND_URL'));
const ecr = new ECRClient({
  endpoint: required('MOTO_URL'),
  region: required('AWS_REGION'),
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024; // the distribution registry's own limit

type RegistryError = { status: number; code: string; message: string; headers?: Record<string, string> };

function sendError(res: http.ServerResponse, error: RegistryError): void {
  res.writeHead(error.status, { 'Content-Type': 'application/json', ...error.headers });
  res.end(JSON.stringify({ errors: [{ code: error.code, message: error.message, detail: null }] }));
}

/** The password `docker login` must present, fetched from moto once (moto derives it from the account). */
let expectedPassword: string | undefined;
async function ecrPassword(): Promise<string> {
  if (expectedPassword === undefined) {
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    const token = out.authorizationData?.[0]?.authorizationToken ?? '';
    expectedPassword = Buffer.from(token, 'base64').toString('utf8').replace(/^AWS:/, '');
  }
  return expectedPassword;
}

async function checkAuthorization(req: http.IncomingMessage): Promise<RegistryError | undefined> {
  const challenge = { 'WWW-Authenticate': `Basic realm="https://${frontHost}/",service="ecr.amazonaws.com"` };
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) {
    return { status: 401, code: 'UNAUTHORIZED', message: 'Not Authorized', headers: challenge };
  }
  const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
  if (user !== 'AWS' || rest.join(':') !== (await ecrPassword())) {
    return { status: 401, code: 'DENIED', message: 'Your authorization token is invalid.', headers: challenge };
  }
  return undefined;
}

/** `/v2/<name>/(manifests|blobs|tags)/...` → repository name and what follows; undefined for `/v2/`, `_catalog`. */
function parseRepositoryPath(pathname: string): { repository: string; kind: string; reference: string } | undefined {
  const match = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.*)$/.exec(pathname);
  if (!match) return undefined;
  return { repository: match[1], kind: match[2], reference: match[3] };
}

async function checkRepositoryExists(repository: string): Promise<RegistryError | undefined> {
  try {
    await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }));
    return undefined;
  } catch (error) {
    if (error instanceof RepositoryNotFoundException) {
      const account = (await ecrAccount()) ?? 'unknown';
      return {
        status: 404,
        code: 'NAME_UNKNOWN',
        message: `The repository with name '${repository}' does not exist in the registry with id '${account}'`,
      };
    }
    throw error;
  }
}

async function ecrAccount(): Promise<string | undefined> {
  return /^(\d{12})\./.exec(frontHost)?.[1];
}

function forward(req: http.IncomingMessage, body: Buffer | undefined): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const upstream = http.request(
      {
        host: backend.hostname,
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: frontHost, 'x-forwarded-proto': 'https' },
      },
      resolve,
    );
    upstream.on('error', reject);
    if (body !== undefined) upstream.end(body);
    else req.pipe(upstream);
  });
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MANIFEST_BYTES) {
        reject(new Error('manifest too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function mirrorManifest(repository: string, reference: string, manifest: Buffer, mediaType: string | undefined, digest: string | undefined): Promise<void> {
  const isDigest = reference.startsWith('sha256:');
  try {
    await ecr.send(
      new PutImageCommand({
        repositoryName: repository,
        imageManifest: manifest.toString('utf8'),
        imageManifestMediaType: mediaType,
        imageTag: isDigest ? undefined : reference,
        imageDigest: digest ?? (isDigest ? reference : undefined),
      }),
    );
  } catch (error) {
    // Pushing the same image under the same tag again is a no-op for a registry.
    if (!(error instanceof ImageAlreadyExistsException)) throw error;
  }
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const authError = await checkAuthorization(req);
  if (authError) return sendError(res, authError);

  const url = new URL(req.url ?? '/', `https://${frontHost}`);
  const target = parseRepositoryPath(url.pathname);
  if (target) {
    const missing = await checkRepositoryExists(target.repository);
    if (missing) {
      req.resume();
      return sendError(res, missing);
    }
  }

  const isManifestPush = target?.kind === 'manifests' && req.method === 'PUT';
  const body = isManifestPush ? await readBody(req) : undefined;
  const upstream = await forward(req, body);

  if (isManifestPush && target && upstream.statusCode === 201) {
    const digest = upstream.headers['docker-content-digest'];
    await mirrorManifest(target.repository, target.reference, body!, req.headers['content-type'], typeof digest === 'string' ? digest : undefined);
  }
  res.writeHead(upstream.statusCode ?? 502, upstream.headers);
  upstream.pipe(res);
}

const server = https.createServer(
  { cert: readFileSync(required('TLS_CERT')), key: readFileSync(required('TLS_KEY')) },
  (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error(`registry-front: ${req.method} ${req.url}: ${String(error)}`);
      if (!res.headersSent) sendError(res, { status: 500, code: 'UNKNOWN', message: String(error) });
      else res.destroy();
    });
  },
);
const frontAddress = required('FRONT_ADDRESS');
server.listen(frontPort, frontAddress, () => {
  console.log(`registry-front: https://${frontHost}:${frontPort} (${frontAddress}) -> ${backend.href}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
