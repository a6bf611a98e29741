/**
 * Shared set-up of the host tests.
 *
 * `fastify.inject` loads light-my-request, which requires the ESM-only `cookie` 2.x package; jest on Node 20 cannot
 * load that as CommonJS. light-my-request only uses it to encode request cookies (none here), so it is replaced by
 * an equivalent one-liner before the first `inject` (light-my-request is required lazily).
 */
jest.doMock('cookie', () => ({
  stringifySetCookie: ({ name, value }: { name: string; value: string }) =>
    `${name}=${encodeURIComponent(value)}`,
}));

export {};
