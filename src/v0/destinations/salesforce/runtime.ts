/**
 * What outlives a batch, in one object: settings read from the environment once, the clock, the HTTP transport, the
 * token and describe caches, the API quota guard, telemetry, parsed configs, and the Salesforce client built on them.
 * `createSalesforceDestination(runtime)` and the network-handler factories take one; the module exports
 * (`process`, `networkHandler`, ...) share the default runtime. Nothing else in the destination is module state.
 *
 * A host that loads the built destination (rudder-transformer) binds its own copies of axios and
 * `@rudderstack/integrations-lib` to the default runtime with {@link bindHost}, so its HTTP mocks see our calls and
 * its `instanceof BaseError` holds for the errors we throw.
 */
import { TtlCache } from '../../../framework/cache';
import { adoptError, type ErrorLibrary } from '../../../framework/errors';
import { createHttpTransport, type AxiosLike, type HttpTransport } from '../../../framework/http';
import { Telemetry } from '../../../framework/telemetry';
import type { Destination } from '../../../framework/types';
import { TokenCache, type Logins } from './auth';
import { HttpSalesforceClient, type ObjectDescription, type SalesforceClient } from './client';
import { parseConfig, type SalesforceConfig } from './config';
import { QuotaGuard } from './quota';
import { readSettings, type SalesforceSettings } from './settings';

export interface RuntimeOptions {
  /** Where settings are read from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
  /** The axios (or axios-like client) every Salesforce call goes through; default the `axios` package's export. */
  http?: AxiosLike;
  /** Replaces the HTTP client used while transforming (tests, an offline preview). */
  client?: SalesforceClient;
  /** The error library errors are handed to a host in; default this package's copy. */
  errorLibrary?: ErrorLibrary;
}

export class SalesforceRuntime {
  readonly settings: SalesforceSettings;
  readonly clock: () => number;
  readonly http: HttpTransport;
  readonly telemetry = new Telemetry();
  readonly tokens: TokenCache;
  readonly describes: TtlCache<ObjectDescription>;
  readonly quota: QuotaGuard;
  /** Logins worked out per parsed config and destination (auth.ts `loginFor`). */
  readonly logins: Logins = new WeakMap();
  readonly client: SalesforceClient;
  /** The error library errors leave the destination in, when a host gave its own. */
  readonly errorLibrary?: ErrorLibrary;
  /** The axios-like client given in the options, if any. */
  readonly axios?: AxiosLike;
  private readonly configs = new WeakMap<object, SalesforceConfig>();

  constructor(options: RuntimeOptions = {}) {
    this.settings = readSettings(options.env);
    this.clock = options.clock ?? Date.now;
    this.http = createHttpTransport({ axios: options.http, timeoutMs: this.settings.requestTimeoutMs });
    this.tokens = new TokenCache(this.settings.tokenTtlMs, this.clock);
    this.describes = new TtlCache(() => this.settings.describeTtlMs, this.clock);
    this.quota = new QuotaGuard(this.clock, this.settings.quotaCooldownMs, this.telemetry);
    this.client = options.client ?? new HttpSalesforceClient(this);
    this.errorLibrary = options.errorLibrary;
    this.axios = options.http;
  }

  /** The destination's parsed config; parsed once per config object (every event of a batch shares one). */
  config(destination: Destination): SalesforceConfig {
    let config = this.configs.get(destination.Config);
    if (!config) {
      config = parseConfig(destination, this.settings);
      this.configs.set(destination.Config, config);
    }
    return config;
  }

  /** An error as the host's error library has it, for errors that leave the destination. */
  forHost(error: unknown): unknown {
    return this.errorLibrary ? adoptError(error, this.errorLibrary) : error;
  }
}

export function createRuntime(options: RuntimeOptions = {}): SalesforceRuntime {
  return new SalesforceRuntime(options);
}

let defaultInstance: SalesforceRuntime | undefined;

/** The runtime the module exports share, created on first use (never at import). */
export function defaultRuntime(): SalesforceRuntime {
  defaultInstance ??= createRuntime();
  return defaultInstance;
}

/** A host's `require`: resolves packages from the host's own tree. */
export type HostRequire = (id: string) => unknown;

/**
 * Use the host's axios and `@rudderstack/integrations-lib` for the default runtime (rudder-transformer's re-export
 * files pass their `require`). Replaces the default runtime when it used other copies; idempotent otherwise.
 */
export function bindHost(hostRequire: HostRequire): SalesforceRuntime {
  const http = hostRequire('axios') as AxiosLike & { default?: AxiosLike };
  const errorLibrary = hostRequire('@rudderstack/integrations-lib/build/errors') as ErrorLibrary;
  const axiosLike = typeof http.request === 'function' ? http : (http.default as AxiosLike);
  if (defaultInstance?.errorLibrary !== errorLibrary || defaultInstance.axios !== axiosLike) {
    defaultInstance = createRuntime({ http: axiosLike, errorLibrary });
  }
  return defaultInstance;
}
