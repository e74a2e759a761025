/**
 * The AWS clients of a run, in one place: one client per service, made on first use, every one with the same
 * retry strategy and timeouts, all destroyed together at the end. Endpoints come from the SDK's own
 * configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, profiles).
 */
import { DEFAULT_MAX_ATTEMPTS } from './settings/deploy.ts';

/**
 * Attempts of an advisory call (ValidateStateMachineDefinition): a check whose failure only skips it must not hold
 * the deploy through every retry of `max-attempts` (seconds of back-off).
 */
export const ADVISORY_MAX_ATTEMPTS = 2;

export interface AwsClientOptions {
  /** Region; undefined = the SDK's default chain (AWS_REGION, profile). */
  region?: string;
  /** Attempts per call with the standard retry strategy (default DEFAULT_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Milliseconds to wait for a connection (default 10 s). */
  connectionTimeoutMs?: number;
  /**
   * Milliseconds of socket inactivity (nothing sent nor received) before an attempt fails with a TimeoutError,
   * which the retry strategy retries (default 60 s). Inactivity, not total time: a large part upload on a slow
   * link is not cut while its bytes flow.
   */
  socketTimeoutMs?: number;
}

interface SdkClient {
  destroy(): void;
}

// The SDK's client constructors each take their own configuration type; they all accept this one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ClientClass<C extends SdkClient> = new (configuration: any) => C;

export class AwsClients {
  readonly #configuration: Record<string, unknown>;
  readonly #made = new Map<ClientClass<SdkClient>, { standard?: SdkClient; advisory?: SdkClient }>();

  constructor(options: AwsClientOptions = {}) {
    this.#configuration = {
      ...(options.region ? { region: options.region } : {}),
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      retryMode: 'standard',
      // The handler's `requestTimeout` only logs a warning unless `throwOnRequestTimeout` is set (node-http-handler 4):
      // the socket timeout is what ends an attempt whose answer never comes.
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 10_000,
        socketTimeout: options.socketTimeoutMs ?? 60_000,
      },
    };
  }

  /** The run's client of a service, e.g. `aws.client(LambdaClient)`. */
  client<C extends SdkClient>(Client: ClientClass<C>): C {
    return this.#get(Client, 'standard');
  }

  /** The same service for advisory calls: at most ADVISORY_MAX_ATTEMPTS attempts. */
  advisoryClient<C extends SdkClient>(Client: ClientClass<C>): C {
    return this.#get(Client, 'advisory');
  }

  destroy(): void {
    for (const kinds of this.#made.values()) for (const client of Object.values(kinds)) client?.destroy();
    this.#made.clear();
  }

  #get<C extends SdkClient>(Client: ClientClass<C>, kind: 'standard' | 'advisory'): C {
    const kinds = this.#made.get(Client) ?? {};
    this.#made.set(Client, kinds);
    if (!kinds[kind]) {
      const maxAttempts = this.#configuration.maxAttempts as number;
      kinds[kind] = new Client(kind === 'advisory' ? { ...this.#configuration, maxAttempts: Math.min(ADVISORY_MAX_ATTEMPTS, maxAttempts) } : this.#configuration);
    }
    return kinds[kind] as C;
  }
}
