/**
 * A reproduction, written from the contract (spec rudder-contract.md A.1.4, A.3.4, A.5.3, A.5.4, A.6), of what
 * rudder-transformer does with a checkout's destination folders: its registry of directory names with the
 * Salesforce aliases, its module loading, its `generateErrorObject` (with its own copy of
 * `@rudderstack/integrations-lib`), and its processor and proxy wrappers. Modules load with Node's own `require`,
 * resolved from the checkout, as in the real service.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;
interface HostBaseError extends Error {
  status: number;
  statTags: Record<string, string>;
  destinationResponse: unknown;
  authErrorCategory: string;
}
interface ErrorLib {
  BaseError: new (m?: string, s?: number, t?: Json, d?: unknown, a?: string) => HostBaseError;
  TransformationError: new (m: string, s?: number) => HostBaseError;
}
interface Handler {
  proxy(request: Json, destType: string): Promise<unknown>;
  processAxiosResponse(response: unknown): { status: number; response: unknown };
  responseHandler(input: Json): Json & { status: number };
}
type HandlerCtor = new () => Handler;

/** `DestHandlerMap`: transforms of the OAuth definitions are Salesforce's; network handlers are not aliased. */
const ALIASES: Record<string, string> = {
  salesforce_oauth: 'salesforce',
  salesforce_oauth_sandbox: 'salesforce',
};

export class ReproducedHost {
  private readonly require: NodeRequire;
  readonly errors: ErrorLib;

  constructor(private readonly root: string) {
    this.require = createRequire(join(root, 'src', 'index.js'));
    this.errors = this.require('@rudderstack/integrations-lib/build/errors') as ErrorLib;
  }

  /** Every directory name under src/<version>/destinations, lower-cased (the registry). */
  directories(version: 'v0' | 'v1'): string[] {
    const base = join(this.root, 'src', version, 'destinations');
    return existsSync(base) ? readdirSync(base).map((d) => d.toLowerCase()) : [];
  }

  transformModule(destType: string): Json {
    const name = destType.toLowerCase();
    const handlerName = ALIASES[name] ?? name;
    if (!this.directories('v0').includes(handlerName)) throw new Error(`Invalid destination: ${destType}`);
    return this.require(join(this.root, 'src', 'v0', 'destinations', handlerName, 'transform')) as Json;
  }

  /** `handlers[version][routeParam]`, exact; v1 falls back to the v0 handler of the name (A.5.2). */
  networkHandler(destType: string, version: 'v0' | 'v1'): { handler: Handler; handlerVersion: string } {
    const load = (v: string) => {
      const module = this.require(join(this.root, 'src', v, 'destinations', destType, 'networkHandler')) as {
        networkHandler?: HandlerCtor;
        NetworkHandler?: HandlerCtor;
      };
      return new ((module.networkHandler ?? module.NetworkHandler) as HandlerCtor)();
    };
    if (this.directories(version).includes(destType))
      return { handler: load(version), handlerVersion: version };
    return { handler: load('v0'), handlerVersion: 'v0' };
  }

  /** `generateErrorObject` (A.3.4): only the library's BaseError keeps its status and tags. */
  generateErrorObject(error: unknown, defTags: Json = {}, enrich = true): HostBaseError {
    const e = error as Partial<HostBaseError>;
    const status = typeof e.status === 'number' ? e.status : 500;
    if (!(error instanceof this.errors.BaseError)) {
      return new this.errors.TransformationError(e.message ?? String(error), status);
    }
    const obj = new this.errors.BaseError(
      e.message,
      status,
      { ...e.statTags, ...defTags },
      e.destinationResponse,
      e.authErrorCategory,
    );
    if (enrich && e.destinationResponse) {
      obj.message = JSON.stringify({ message: e.message, destinationResponse: e.destinationResponse });
    }
    return obj;
  }

  tags(destType: string, feature: string, metadata: Json | undefined): Json {
    return {
      destType: destType.toUpperCase(),
      module: 'destination',
      implementation: 'native',
      feature,
      destinationId: metadata?.destinationId ?? 'Non-determininable',
      workspaceId: metadata?.workspaceId ?? 'Non-determininable',
    };
  }

  /** `POST /v0/destinations/:dest` for one event (A.1.4): success elements, or one error element. */
  async processor(event: Json, destType: string): Promise<Json[]> {
    const metadata = event.metadata as Json | undefined;
    try {
      const process = this.transformModule(destType).process as (e: Json) => Promise<Json[]>;
      const out = await process(event);
      return out.map((d) => ({
        output: { ...d, userId: d.userId ? String(d.userId) : '' },
        metadata,
        statusCode: 200,
      }));
    } catch (error) {
      const obj = this.generateErrorObject(error, this.tags(destType, 'processor', metadata));
      return [{ metadata, statusCode: obj.status, error: obj.message, statTags: obj.statTags }];
    }
  }

  /** `POST /<version>/destinations/:dest/proxy` (A.5.3, A.5.4): the handler sends the request, then reads the answer. */
  async deliver(request: Json, destType: string, version: 'v0' | 'v1'): Promise<Json> {
    const { handler, handlerVersion } = this.networkHandler(destType, version);
    const metadata = request.metadata as Json | Json[];
    const first = Array.isArray(metadata) ? metadata[0] : metadata;
    try {
      const answer = await handler.proxy(request, destType);
      const rudderJobMetadata = version === 'v1' && handlerVersion === 'v0' ? first : metadata;
      return handler.responseHandler({
        destinationResponse: handler.processAxiosResponse(answer),
        rudderJobMetadata,
        destType,
        destinationRequest: request,
      });
    } catch (error) {
      const obj = this.generateErrorObject(error, this.tags(destType, 'dataDelivery', first), false);
      const out: Json = { status: obj.status, message: obj.message, statTags: obj.statTags };
      if (obj.authErrorCategory) out.authErrorCategory = obj.authErrorCategory;
      if (version === 'v0') return { ...out, destinationResponse: obj.destinationResponse };
      const body =
        JSON.stringify((obj.destinationResponse as { response?: unknown })?.response) || obj.message;
      return {
        ...out,
        response: (metadata as Json[]).map((m) => ({ error: body, statusCode: obj.status, metadata: m })),
      };
    }
  }
}

/**
 * The checkout's own axios, replaced by its test suite's mock (rudder-transformer's component tests mock the
 * default axios): it answers registered routes and records every call. Written into the checkout's node_modules.
 */
export const HOST_AXIOS_MOCK = `
const calls = [];
const routes = [];
async function request(config) {
  const call = { method: String(config.method).toUpperCase(), url: config.url, data: config.data };
  calls.push(call);
  const route = routes.find((r) => r.method === call.method && r.url.test(call.url));
  if (!route) throw Object.assign(new Error('no mock for ' + call.method + ' ' + call.url), { code: 'ENOMOCK' });
  return { status: route.status, data: route.data, headers: route.headers || {} };
}
function reply(method, url, status, data, headers) { routes.push({ method, url, status, data, headers }); }
module.exports = { request, default: { request }, mock: { calls, reply } };
`;
