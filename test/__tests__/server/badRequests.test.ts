/**
 * Bad requests: malformed JSON, wrong shapes and oversized bodies get HTTP 400 with a JSON message naming the
 * problem; a malformed or misconfigured event inside a valid request gets its own error element and never fails
 * the other events.
 */
import { useServer } from './harness';
import { bodyLimitFromEnv, DEFAULT_BODY_LIMIT_BYTES } from '../../../src/server';
import { destination, fakeHandlers, identify, leadCreateDescriptor, meta, SECRETS } from './fixtures';

const { start, post, inject } = useServer();

const raw = (
  url: string,
  payload: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) => inject({ method: 'POST', url, payload, headers });

describe('malformed requests', () => {
  it.each(['/routerTransform', '/v0/destinations/salesforce', '/v1/destinations/salesforce/proxy'])(
    'answers malformed JSON on %s with 400 and a message',
    async (url) => {
      start();
      const res = await raw(url, '{"destType": "salesforce", "input": [');
      expect(res.statusCode).toBe(400);
      expect(res.headers.apiversion).toBe('2');
      expect(res.json()).toEqual({ error: expect.stringMatching(/^Malformed JSON body: /) as unknown });
    },
  );

  it('answers a processor body that is neither an array nor the compacted object with one folded message', async () => {
    start();
    const res = await raw('/v0/destinations/salesforce', '"hello"');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'Invalid request body: body must be an array or an object' });
  });

  it('answers an empty JSON body with 400', async () => {
    start();
    const res = await raw('/routerTransform', '');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'Malformed JSON body: the body is empty' });
  });

  it('answers a body that is not JSON with 415', async () => {
    start();
    const res = await raw('/routerTransform', '<destType>salesforce</destType>', {
      'content-type': 'application/xml',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ error: 'Unsupported content type: send application/json' });
  });

  it.each([
    ['/routerTransform', [], 'Invalid request body: body must be object'],
    ['/routerTransform', { input: [] }, 'Invalid request body: body.destType is required'],
    ['/routerTransform', { input: [], destType: 7 }, 'Invalid request body: body.destType must be string'],
    ['/v0/destinations/salesforce', { events: [] }, 'Invalid request body: '],
    [
      '/v0/destinations/salesforce/proxy',
      { ...leadCreateDescriptor({}), endpoint: undefined },
      'body.endpoint is required',
    ],
    [
      '/v0/destinations/salesforce/proxy',
      { ...leadCreateDescriptor({}), headers: { 'X-Count': 3 } },
      'body.headers.X-Count must be string',
    ],
    [
      '/v1/destinations/salesforce/proxy',
      { ...leadCreateDescriptor({}), metadata: { jobId: 1 } },
      'body.metadata must be array',
    ],
    [
      '/v1/destinations/salesforce/proxy',
      { ...leadCreateDescriptor({}), metadata: [{ jobId: 'one' }] },
      'body.metadata[0].jobId must be number',
    ],
  ])('answers a wrong shape on %s with 400 naming the field (%#)', async (url, body, message) => {
    start();
    const res = await post(url, body);
    expect(res.statusCode).toBe(400);
    expect((res.json() as { error: string }).error).toContain(message);
  });

  it('answers a body over the limit with 400 before parsing it', async () => {
    start({ bodyLimitBytes: 1024 });
    const input = Array.from({ length: 50 }, (_, i) => ({
      message: identify(`u${i}@x.com`),
      metadata: meta(i),
      destination: destination(),
    }));
    const res = await post('/routerTransform', { destType: 'salesforce', input });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'Request body too large: the limit is 1024 bytes (BODY_LIMIT_BYTES); send smaller batches',
    });
  });

  it('reads BODY_LIMIT_BYTES, defaulting to 10 MB, and refuses a value that is not a byte count', () => {
    expect(bodyLimitFromEnv({})).toBe(DEFAULT_BODY_LIMIT_BYTES);
    expect(DEFAULT_BODY_LIMIT_BYTES).toBe(10 * 1024 * 1024);
    expect(bodyLimitFromEnv({ BODY_LIMIT_BYTES: '2048' })).toBe(2048);
    expect(() => bodyLimitFromEnv({ BODY_LIMIT_BYTES: '10MB' })).toThrow(
      /BODY_LIMIT_BYTES must be a positive integer/,
    );
  });

  it('answers an oauth-secret header that is not JSON with 400, without echoing it', async () => {
    start(fakeHandlers());
    const res = await post(
      '/routerTransform',
      {
        destType: 'salesforce_oauth',
        input: [{ message: identify('a@b.com'), metadata: meta(1), destination: destination() }],
      },
      { 'oauth-secret': `{access_token: ${SECRETS.oauthAccessToken}` },
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'The oauth-secret header is not valid JSON' });
    expect(res.body).not.toContain(SECRETS.oauthAccessToken);
  });

  it('answers an unknown version segment with 404', async () => {
    start();
    const res = await post('/latest/destinations/salesforce', []);
    expect(res.statusCode).toBe(404);
  });
});

describe('bad events inside a good request', () => {
  it('router: an input without destination.Config gets its own ConfigurationError element; the others proceed', async () => {
    start(fakeHandlers());
    const noConfig: Partial<ReturnType<typeof destination>> = destination();
    delete noConfig.Config;
    const res = await post('/routerTransform', {
      destType: 'salesforce',
      input: [
        {
          message: identify('ok@initech.com', { lastName: 'Ok', company: 'C' }),
          metadata: meta(1),
          destination: destination(),
        },
        { message: identify('bad@initech.com'), metadata: meta(2), destination: noConfig },
        'not an event',
      ],
    });
    expect(res.statusCode).toBe(200);
    const output = (res.json() as { output: Record<string, unknown>[] }).output;
    expect(output.map((e) => e.statusCode)).toEqual([200, 400, 400]);
    expect(output[1]).toEqual({
      metadata: [{ ...meta(2), destInfo: {} }],
      batched: false,
      statusCode: 400,
      error: 'Invalid destination: input[1].destination.Config is required',
      statTags: { errorCategory: 'dataValidation', errorType: 'configuration' },
    });
    expect(output[2]).toMatchObject({
      metadata: [{ destInfo: {} }],
      statusCode: 400,
      error: 'Invalid transform input: input[2] must be an object',
      statTags: { errorCategory: 'platform' },
    });
  });

  it('router: a config without credentials is a per-event ConfigurationError, not a failed request', async () => {
    // The real client: it refuses the config before any HTTP call.
    start();
    const dest = destination({ userName: '', password: '' });
    const res = await post('/routerTransform', {
      destType: 'salesforce',
      input: [1, 2].map((i) => ({
        message: identify(`c${i}@initech.com`),
        metadata: meta(i),
        destination: dest,
      })),
    });
    expect(res.statusCode).toBe(200);
    const output = (
      res.json() as {
        output: {
          statusCode: number;
          error: string;
          statTags: Record<string, string>;
          metadata: unknown[];
        }[];
      }
    ).output;
    expect(output.flatMap((e) => e.metadata)).toHaveLength(2);
    for (const element of output) {
      expect(element.statusCode).toBe(400);
      expect(element.statTags).toEqual({ errorCategory: 'dataValidation', errorType: 'configuration' });
      expect(element.error).toMatch(/^Invalid Salesforce destination config: Config\./);
    }
  });

  it('processor: a message of the wrong type is an InstrumentationError element naming the field', async () => {
    start(fakeHandlers());
    const res = await post('/v0/destinations/salesforce', [
      { message: 'identify', metadata: meta(1), destination: destination() },
      {
        message: identify('fine@initech.com', { lastName: 'F', company: 'C' }),
        metadata: meta(2),
        destination: destination(),
      },
    ]);
    expect(res.statusCode).toBe(200);
    const [bad, good] = res.json() as {
      statusCode: number;
      error?: string;
      statTags?: Record<string, string>;
    }[];
    expect(bad).toMatchObject({
      statusCode: 400,
      error: 'Invalid event: body[0].message must be object',
      statTags: { errorCategory: 'dataValidation', errorType: 'instrumentation', feature: 'processor' },
    });
    expect(good.statusCode).toBe(200);
  });
});
