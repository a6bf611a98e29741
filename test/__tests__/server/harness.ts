/**
 * Shared set-up of the host tests. Import it before anything else that may reach fastify's `inject`.
 *
 * `fastify.inject` loads light-my-request, which requires the ESM-only `cookie` 2.x package; jest on Node 20 cannot
 * load that as CommonJS. light-my-request only uses it to encode request cookies (none here), so it is replaced by
 * an equivalent one-liner before the first `inject` (light-my-request is required lazily).
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildServer, type ServerOptions } from '../../../src/server';

// Loading the server loads fastify but not light-my-request (fastify requires it on the first `inject`).
jest.doMock('cookie', () => ({
  stringifySetCookie: ({ name, value }: { name: string; value: string }) =>
    `${name}=${encodeURIComponent(value)}`,
}));

/** A host under test: `start` builds it (without logs), `post` and `inject` drive it with fastify's `inject`. */
export interface ServerHarness {
  start(options?: ServerOptions): FastifyInstance;
  post(url: string, payload: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
}

/** Registers the route suites' hooks: close the last started host after each test (each host has its own runtime). */
export function useServer(): ServerHarness {
  let app: FastifyInstance;
  afterEach(async () => {
    await app?.close();
  });
  const inject = (options: InjectOptions) => app.inject(options);
  return {
    start: (options: ServerOptions = {}) => (app = buildServer({ log: false, ...options })),
    post: (url, payload, headers = {}) =>
      inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers }),
    inject,
  };
}
