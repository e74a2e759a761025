/**
 * A fault-injecting HTTP proxy for tests: sits between the AWS SDK and moto_server and, following a seeded plan,
 * answers some requests with the service's own throttling or server error, drops the connection before answering,
 * or forwards the request (so it takes effect) and then drops the connection instead of answering.
 *
 *   const proxy = await startFaultProxy({ target: moto.endpoint, plan: { rate: 0.3, kinds: ALL_FAULT_KINDS, seed: 7 } });
 *   // the code under test gets AWS_ENDPOINT_URL=proxy.url
 *   proxy.stats();   // { total, forwarded, injected: { throttle: 3, ... }, byService: { s3: {...} }, seed, faults: [...] }
 *   await proxy.close();
 *
 * - The service of a request comes from its SigV4 credential scope (`Credential=AKID/<date>/<region>/<service>/aws4_request`
 *   in the Authorization header, or X-Amz-Credential in a presigned URL). Unsigned requests (moto-api, health checks)
 *   are always forwarded untouched and never count as faults.
 * - Errors are written in each service's protocol (S3 REST-XML, STS/IAM awsQuery XML, Lambda REST-JSON, Step
 *   Functions awsJson1_0, ECR awsJson1_1), with codes the SDK classifies as throttling or transient.
 * - The Host header is forwarded as sent, so moto sees the same path-style (IP endpoint) or virtual-host request the
 *   SDK signed. Bodies are streamed both ways, never buffered whole.
 * - Decisions come from a small PRNG (mulberry32) drawn once per signed request in arrival order: with the same seed
 *   and the same sequence of requests, the same faults are injected. The seed in use is in stats() (a random one is
 *   chosen when the plan has none): print it when a test fails, replay with it. Concurrent clients interleave
 *   their requests, so only sequential runs replay exactly.
 *
 * `standIns` answers the JSON-RPC calls moto does not implement (Step Functions' ValidateStateMachineDefinition) as
 * AWS would, by X-Amz-Target: `{ 'AWSStepFunctions.ValidateStateMachineDefinition': (input) => ({ body: { result: 'OK' } }) }`;
 * an error is `{ status: 400, body: { __type: 'AccessDeniedException', message: '...' } }`.
 *
 * What the SDK (v3, standard retry strategy) does with these faults, measured here:
 * - every kind is retried (throttle: by code or 429; server-error and HEAD without body: 5xx; resets: ECONNRESET/EPIPE);
 * - a request whose body is a Node stream is never retried ("non-retryable streaming request"): send Buffers;
 * - each client has a retry quota (500 tokens, 14 per transient retry, 5 per throttle, refunded on success): at 30%
 *   faults of every kind one client runs dry after ~550 sequential calls and then fails after a single retry; at
 *   10% it made 3000 calls without trouble. Keep heavy-fault tests to a few hundred calls per client.
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export type FaultKind = 'throttle' | 'server-error' | 'reset-before-answer' | 'lost-answer';
export const ALL_FAULT_KINDS: readonly FaultKind[] = ['throttle', 'server-error', 'reset-before-answer', 'lost-answer'];

/** What a plan's `only` filter sees of each signed request. */
export interface ProxiedRequest {
  /** 1 for the first request the proxy received, 2 for the next, ... */
  seq: number;
  method: string;
  /** Path and query as sent, e.g. `/my-bucket/base/inputs/params.json?x-id=PutObject`. */
  path: string;
  /** SigV4 service name: 's3', 'lambda', 'states', 'sts', 'ecr', 'iam', ... */
  service: string;
  region: string;
  /** The X-Amz-Target header of JSON-RPC services, e.g. 'AWSStepFunctions.StartExecution'. */
  target?: string;
  headers: IncomingHttpHeaders;
}

export interface FaultPlan {
  /** Probability (0..1) that a signed request gets a fault. */
  rate: number;
  /** The kinds to choose from, uniformly. */
  kinds: readonly FaultKind[];
  /** PRNG seed (32-bit integer). A random one is chosen and reported in stats() when absent. */
  seed?: number;
  /** Only requests for which this returns true may get a fault (they still draw from the PRNG first). */
  only?: (request: ProxiedRequest) => boolean;
}

export type FaultCounts = Record<FaultKind, number>;

export interface InjectedFault {
  seq: number;
  service: string;
  method: string;
  path: string;
  target?: string;
  kind: FaultKind;
}

export interface FaultStats {
  /** Every request received (signed or not). */
  total: number;
  /** Requests that reached the target (lost-answer ones included). */
  forwarded: number;
  /** Faults injected, by kind. */
  injected: FaultCounts;
  /** Per SigV4 service: requests received and faults injected. */
  byService: Record<string, { requests: number; injected: FaultCounts }>;
  /** The seed of the current plan (undefined when there is no plan). */
  seed?: number;
  /** Every fault injected, in order (to read when a test fails). */
  faults: InjectedFault[];
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: give it to the SDK as endpoint / AWS_ENDPOINT_URL. */
  url: string;
  /** Replaces the plan (null: forward everything). Restarts the PRNG from the plan's seed. Stats are kept. */
  setPlan(plan: FaultPlan | null): void;
  stats(): FaultStats;
  /** Zeroes the counters (the plan and its PRNG state are kept). */
  resetStats(): void;
  close(): Promise<void>;
}

export interface StandInAnswer {
  status?: number;
  body: unknown;
}

export interface FaultProxyOptions {
  /** Where to forward, e.g. `http://127.0.0.1:5401` (moto_server). */
  target: string;
  plan?: FaultPlan;
  /** Port to listen on (127.0.0.1); 0 or absent: any free port. */
  port?: number;
  /** Answers in AWS's place, by X-Amz-Target: the parsed JSON request in, the JSON answer (status 200 unless given) out. */
  standIns?: Record<string, (input: unknown) => StandInAnswer>;
}

/** mulberry32: a tiny, good-enough 32-bit PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `{ service, region }` from a SigV4 Authorization header or presigned URL; undefined for unsigned requests. */
export function signedScope(headers: IncomingHttpHeaders, path: string): { service: string; region: string } | undefined {
  const authorization = headers.authorization;
  let credential: string | undefined;
  if (typeof authorization === 'string') {
    credential = /Credential=([^,\s]+)/.exec(authorization)?.[1];
  } else {
    const query = path.includes('?') ? new URLSearchParams(path.slice(path.indexOf('?') + 1)) : undefined;
    credential = query?.get('X-Amz-Credential') ?? undefined;
  }
  if (!credential) return undefined;
  // AKID/yyyymmdd/region/service/aws4_request
  const parts = credential.split('/');
  if (parts.length < 5 || parts[parts.length - 1] !== 'aws4_request') return undefined;
  return { region: parts[parts.length - 3], service: parts[parts.length - 2] };
}

/** A service's error answer, in the service's own protocol. */
export interface ErrorAnswer {
  status: number;
  code: string;
  headers: Record<string, string>;
  body: string;
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The answer a service gives when it throttles or fails inside (codes from each service's API reference; every one
 * is classified by the SDK's retry strategy: throttling by code or 429, transient by 5xx status).
 */
export function errorAnswer(service: string, kind: 'throttle' | 'server-error', requestId: string): ErrorAnswer {
  const throttle = kind === 'throttle';
  switch (service) {
    case 's3': {
      // REST-XML. https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
      const code = throttle ? 'SlowDown' : 'InternalError';
      const message = throttle ? 'Please reduce your request rate.' : 'We encountered an internal error. Please try again.';
      return {
        status: throttle ? 503 : 500,
        code,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`,
      };
    }
    case 'sts':
    case 'iam': {
      // awsQuery: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
      const code = throttle ? 'Throttling' : 'InternalFailure';
      const namespace = service === 'sts' ? 'https://sts.amazonaws.com/doc/2011-06-15/' : 'https://iam.amazonaws.com/doc/2010-05-08/';
      return {
        status: throttle ? 400 : 500,
        code,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<ErrorResponse xmlns="${namespace}"><Error><Type>${throttle ? 'Sender' : 'Receiver'}</Type><Code>${code}</Code><Message>${throttle ? 'Rate exceeded' : 'An internal error occurred.'}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
    case 'lambda': {
      // REST-JSON: error type in x-amzn-ErrorType; TooManyRequestsException (429) and ServiceException (500) are modelled.
      const code = throttle ? 'TooManyRequestsException' : 'ServiceException';
      const body = throttle
        ? { Type: 'User', message: 'Rate Exceeded.', Reason: 'CallerRateLimitExceeded' }
        : { Type: 'Service', Message: 'An internal error occurred.' };
      return {
        status: throttle ? 429 : 500,
        code,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': requestId },
        body: JSON.stringify(body),
      };
    }
    default: {
      // awsJson1_0 (Step Functions: states), awsJson1_1 (ECR: ecr), and anything else that speaks JSON.
      const code = throttle ? 'ThrottlingException' : service === 'ecr' ? 'ServerException' : 'InternalFailure';
      const contentType = service === 'states' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
      return {
        status: throttle ? 400 : 500,
        code,
        headers: { 'content-type': contentType, 'x-amzn-errortype': code, 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: code, message: throttle ? 'Rate exceeded' : 'An internal error occurred.' }),
      };
    }
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect']);

/** Raw header pairs without hop-by-hop headers (and, for responses, without transfer-encoding: Node re-frames). */
function passHeaders(rawHeaders: string[], dropTransferEncoding: boolean): string[] {
  const kept: string[] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index].toLowerCase();
    if (HOP_BY_HOP.has(name) || (dropTransferEncoding && name === 'transfer-encoding')) continue;
    kept.push(rawHeaders[index], rawHeaders[index + 1]);
  }
  return kept;
}

const emptyCounts = (): FaultCounts => ({ 'throttle': 0, 'server-error': 0, 'reset-before-answer': 0, 'lost-answer': 0 });

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  let plan: FaultPlan | null = null;
  let seed: number | undefined;
  let random: () => number = Math.random;
  let seq = 0;
  let stats: FaultStats = freshStats();

  function freshStats(): FaultStats {
    return { total: 0, forwarded: 0, injected: emptyCounts(), byService: {}, seed, faults: [] };
  }

  function setPlan(next: FaultPlan | null): void {
    if (next && !(next.rate >= 0 && next.rate <= 1)) throw new Error(`fault plan rate must be within 0..1, got ${next.rate}`);
    if (next && next.rate > 0 && next.kinds.length === 0) throw new Error('fault plan has a rate but no kinds');
    plan = next;
    seed = next ? (next.seed ?? randomBytes(4).readUInt32BE(0)) : undefined;
    random = seededRandom(seed ?? 0);
    stats.seed = seed;
  }
  setPlan(options.plan ?? null);

  /** Draws the fault for one signed request (always two draws, so a filter does not shift later decisions). */
  function decide(request: ProxiedRequest): FaultKind | undefined {
    if (!plan) return undefined;
    const roll = random();
    const pick = random();
    if (roll >= plan.rate) return undefined;
    if (plan.only && !plan.only(request)) return undefined;
    return plan.kinds[Math.min(plan.kinds.length - 1, Math.floor(pick * plan.kinds.length))];
  }

  function count(request: ProxiedRequest | undefined, kind: FaultKind | undefined): void {
    stats.total += 1;
    if (!request) return;
    const service = (stats.byService[request.service] ??= { requests: 0, injected: emptyCounts() });
    service.requests += 1;
    if (!kind) return;
    stats.injected[kind] += 1;
    service.injected[kind] += 1;
    stats.faults.push({ seq: request.seq, service: request.service, method: request.method, path: request.path, target: request.target, kind });
  }

  /** Drops the client's connection without an HTTP answer. */
  const dropConnection = (req: IncomingMessage) => req.socket.destroy();

  /** Forwards to the target; `loseAnswer`: read the target's whole answer, then drop the client's connection. */
  function forward(req: IncomingMessage, res: ServerResponse, loseAnswer: boolean): void {
    stats.forwarded += 1;
    const upstream = httpRequest({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: passHeaders(req.rawHeaders, false) as unknown as IncomingHttpHeaders,
      agent,
    });
    upstream.on('response', (answer) => {
      if (loseAnswer) {
        answer.resume();
        answer.on('end', () => dropConnection(req));
        answer.on('error', () => dropConnection(req));
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, passHeaders(answer.rawHeaders, true));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' });
      res.end(`fault-proxy: cannot reach ${options.target}: ${error.message}`);
    });
    req.pipe(upstream);
    req.on('error', () => upstream.destroy());
  }

  function answerError(req: IncomingMessage, res: ServerResponse, request: ProxiedRequest, kind: 'throttle' | 'server-error', bodyPending: boolean): void {
    const answer = errorAnswer(request.service, kind, `FAULT${String(request.seq).padStart(8, '0')}`);
    const headers: Record<string, string> = { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) };
    // A client waiting for 100-continue never sends its body: close the connection after the answer.
    if (bodyPending) headers.connection = 'close';
    const send = () => {
      res.writeHead(answer.status, headers);
      res.end(req.method === 'HEAD' ? undefined : answer.body);
    };
    if (bodyPending) {
      send();
    } else {
      // Read (and discard) the request body first, as a server does before answering.
      req.on('end', send);
      req.on('error', () => res.destroy());
      req.resume();
    }
  }

  function answerInPlace(req: IncomingMessage, res: ServerResponse, request: ProxiedRequest, standIn: (input: unknown) => StandInAnswer): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = standIn(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      const body = JSON.stringify(answer.body);
      const contentType = request.service === 'states' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
      const errorType = (answer.body as { __type?: string } | null)?.__type;
      res.writeHead(answer.status ?? 200, {
        'content-type': contentType,
        'content-length': String(Buffer.byteLength(body)),
        'x-amzn-requestid': `STANDIN${request.seq}`,
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(body);
    });
    req.on('error', () => res.destroy());
  }

  function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    seq += 1;
    const path = req.url ?? '/';
    const scope = signedScope(req.headers, path);
    const request: ProxiedRequest | undefined = scope && {
      seq,
      method: req.method ?? 'GET',
      path,
      service: scope.service,
      region: scope.region,
      target: typeof req.headers['x-amz-target'] === 'string' ? req.headers['x-amz-target'] : undefined,
      headers: req.headers,
    };
    const standIn = request?.target === undefined ? undefined : options.standIns?.[request.target];
    if (standIn) {
      answerInPlace(req, res, request!, standIn);
      return;
    }
    const kind = request ? decide(request) : undefined;
    count(request, kind);
    if (!kind || kind === 'lost-answer') {
      if (expectsContinue) res.writeContinue();
      forward(req, res, kind === 'lost-answer');
      return;
    }
    if (kind === 'reset-before-answer') {
      if (expectsContinue) {
        dropConnection(req);
      } else {
        req.on('end', () => dropConnection(req));
        req.on('error', () => dropConnection(req));
        req.resume();
      }
      return;
    }
    answerError(req, res, request!, kind, expectsContinue);
  }

  const server = createServer({ keepAlive: true });
  server.on('request', (req, res) => handle(req, res, false));
  server.on('checkContinue', (req, res) => handle(req, res, true));
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setPlan,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = freshStats();
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
