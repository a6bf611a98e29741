/**
 * The host's routes with the contract's exact shapes (spec A.1.4, A.2.1–A.2.4, A.5.1, A.5.3, A.5.4), driven with
 * `inject`; Salesforce is nock.
 */
import { useServer } from './harness';
import nock from 'nock';
import { ThrottledError } from '../../../src/framework/errors';
import type { DeliveryV1Result } from '../../../src/framework/types';
import { createRuntime } from '../../../src/v0/destinations/salesforce/index';
import {
  API,
  destination,
  echoed,
  identify,
  INSTANCE,
  leadCreateDescriptor,
  meta,
  fakeHandlers,
  SECRETS,
} from './fixtures';

const { start, post, inject } = useServer();

describe('POST /:version/destinations/:destination (processor)', () => {
  it('wraps each descriptor, and each failure, as spec A.1.4; one bad event does not affect another', async () => {
    const { handlers, client } = fakeHandlers();
    start({ handlers });
    const dest = destination();
    const res = await post('/v0/destinations/salesforce', [
      {
        message: identify('peter@initech.com', {
          firstName: 'Peter',
          lastName: 'Gibbons',
          company: 'Initech',
        }),
        metadata: meta(1),
        destination: dest,
      },
      { message: { type: 'track', event: 'x' }, metadata: meta(2), destination: dest },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.headers.apiversion).toBe('2');
    expect(res.json()).toEqual([
      {
        output: {
          ...leadCreateDescriptor({
            Company: 'Initech',
            Email: 'peter@initech.com',
            FirstName: 'Peter',
            LastName: 'Gibbons',
          }),
          userId: '',
        },
        metadata: meta(1),
        statusCode: 200,
      },
      {
        metadata: meta(2),
        statusCode: 400,
        error:
          'message type "track" is not supported: Salesforce accepts identify events only (or the events an eventMappings rule maps)',
        statTags: {
          errorCategory: 'dataValidation',
          errorType: 'instrumentation',
          destType: 'SALESFORCE',
          module: 'destination',
          implementation: 'native',
          feature: 'processor',
          destinationId: 'dest-1',
          workspaceId: 'ws-1',
        },
      },
    ]);
    expect(client.queries).toHaveLength(1);
  });

  it('maps salesforce_oauth to the same code, tags errors with the route name, and runs events concurrently', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    start({
      handlers: {
        transform: {
          runtime: createRuntime(),
          process: async () => {
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            // One turn of the event loop: every event starts before any finishes, with no wait for time.
            await new Promise((r) => setImmediate(r));
            inFlight -= 1;
            throw new ThrottledError('slow down');
          },
          processRouterDest: async () => [],
          processMetadataForRouter: (o) => o.metadata,
        },
      },
    });
    const events = [1, 2, 3, 4].map((i) => ({
      message: identify(`e${i}@x.com`),
      metadata: meta(i),
      destination: destination(),
    }));
    const res = await post('/v0/destinations/SALESFORCE_OAUTH', events);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { statusCode: number; statTags: Record<string, string> }[];
    expect(body.map((e) => e.statusCode)).toEqual([429, 429, 429, 429]);
    expect(body[0].statTags).toMatchObject({
      destType: 'SALESFORCE_OAUTH',
      errorType: 'throttled',
      feature: 'processor',
    });
    expect(maxInFlight).toBe(4);
  });

  it('answers 404 with the contract body for a destination it does not serve', async () => {
    start();
    const res = await post('/v0/destinations/marketo', []);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Unknown destination: marketo' });
  });
});

describe('POST /routerTransform', () => {
  it('returns one element per record with processMetadataForRouter metadata and the echoed destination', async () => {
    start(fakeHandlers([{ Id: '00Q5g000001AAAAEA0', Email: 'old@initech.com' }]));
    const dest = destination();
    const res = await post('/routerTransform', {
      destType: 'salesforce',
      input: [
        {
          message: identify('new@initech.com', { lastName: 'Bolton', company: 'Initech' }),
          metadata: meta(1),
          destination: dest,
        },
        { message: identify('old@initech.com', { title: 'Engineer' }), metadata: meta(2), destination: dest },
        {
          message: { ...identify('skip@initech.com'), integrations: {} },
          metadata: meta(3),
          destination: dest,
        },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers.apiversion).toBe('2');
    const withAuthKey = (m: ReturnType<typeof meta>) => ({ ...m, destInfo: { authKey: 'dest-1' } });
    expect(res.json()).toEqual({
      output: [
        {
          batchedRequest: leadCreateDescriptor({
            Company: 'Initech',
            Email: 'new@initech.com',
            LastName: 'Bolton',
          }),
          metadata: [withAuthKey(meta(1))],
          batched: false,
          statusCode: 200,
          destination: echoed(dest),
        },
        {
          batchedRequest: {
            // The mapping is the destination's business (its own tests); the host test checks the envelope.
            ...leadCreateDescriptor(
              expect.objectContaining({ Title: 'Engineer' }) as Record<string, unknown>,
            ),
            method: 'PATCH',
            endpoint: `${INSTANCE}${API}/sobjects/Lead/00Q5g000001AAAAEA0`,
          },
          metadata: [withAuthKey(meta(2))],
          batched: false,
          statusCode: 200,
          destination: echoed(dest),
        },
        {
          metadata: [withAuthKey(meta(3))],
          batched: false,
          statusCode: 298,
          error: expect.stringContaining('integrations object does not enable Salesforce') as unknown,
          statTags: {},
          destination: echoed(dest),
        },
      ],
    });
  });

  it('answers an empty or non-array input with the "Invalid event array" element', async () => {
    start();
    for (const input of [[], 'x', { a: 1 }, undefined]) {
      const res = await post('/routerTransform', { destType: 'SALESFORCE', input });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        output: [
          {
            metadata: [{ destType: 'SALESFORCE' }],
            batched: false,
            statusCode: 400,
            error: 'Invalid event array',
          },
        ],
      });
    }
  });

  it('answers 404 for an unknown destType', async () => {
    start();
    const res = await post('/routerTransform', { destType: 'hubspot', input: [] });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Unknown destination: hubspot' });
  });

  it('spreads the oauth-secret header into every metadata.secret and uses the host token (no login)', async () => {
    const { handlers, client } = fakeHandlers();
    start({ handlers });
    const secret = { access_token: SECRETS.oauthAccessToken, instance_url: INSTANCE };
    const dest = destination({ userName: '', password: '' }, 'SALESFORCE_OAUTH');
    const res = await post(
      '/routerTransform',
      {
        destType: 'salesforce_oauth',
        input: [
          {
            message: identify('a@initech.com', { lastName: 'A', company: 'C' }),
            metadata: meta(1),
            destination: dest,
          },
          {
            message: identify('b@initech.com', { lastName: 'B', company: 'C' }),
            metadata: meta(2),
            destination: dest,
          },
        ],
      },
      { 'oauth-secret': JSON.stringify(secret) },
    );
    const output = (
      res.json() as {
        output: { metadata: { secret?: unknown }[]; batchedRequest: { headers: Record<string, string> } }[];
      }
    ).output;
    expect(output).toHaveLength(2);
    for (const element of output) {
      expect(element.metadata[0].secret).toEqual(secret);
      expect(element.batchedRequest.headers.Authorization).toBe(`Bearer ${SECRETS.oauthAccessToken}`);
    }
    // Every session the plan asked for used the host's secret (the plan re-reads the session after its lookups).
    expect(client.contexts.length).toBeGreaterThan(0);
    expect(client.contexts.map((c) => c.metadata?.secret)).toEqual(client.contexts.map(() => secret));
  });

  it('turns a throwing processRouterDest into one element with all the group jobs and enriched tags (spec A.2.3)', async () => {
    start({
      handlers: {
        transform: {
          runtime: createRuntime(),
          process: async () => [],
          processRouterDest: async () => {
            throw new TypeError('boom');
          },
          processMetadataForRouter: (o) => o.metadata,
        },
      },
    });
    const dest = destination();
    const res = await post('/routerTransform', {
      destType: 'salesforce',
      input: [1, 2].map((i) => ({ message: identify(`x${i}@y.com`), metadata: meta(i), destination: dest })),
    });
    expect(res.json()).toEqual({
      output: [
        {
          metadata: [meta(1), meta(2)],
          batched: false,
          statusCode: 500,
          error: 'boom',
          statTags: {
            errorCategory: 'transformation',
            destType: 'SALESFORCE',
            module: 'destination',
            implementation: 'native',
            feature: 'router',
            destinationId: 'dest-1',
            workspaceId: 'ws-1',
          },
        },
      ],
    });
  });

  it('groups inputs by destination id and config, and keeps every job in exactly one element', async () => {
    const calls: number[][] = [];
    start({
      handlers: {
        transform: {
          runtime: createRuntime(),
          process: async () => [],
          processRouterDest: async (inputs) => {
            calls.push(inputs.map((i) => i.metadata?.jobId ?? -1));
            return inputs.map((i) => ({
              metadata: [i.metadata ?? {}],
              batched: false,
              statusCode: 400,
              error: 'x',
              statTags: {},
            }));
          },
          processMetadataForRouter: (o) => o.metadata,
        },
      },
    });
    const a = destination({}, 'SALESFORCE', 'dest-a');
    const aChanged = destination({ mapProperty: false }, 'SALESFORCE', 'dest-a');
    const b = destination({}, 'SALESFORCE', 'dest-b');
    const res = await post('/routerTransform', {
      destType: 'salesforce',
      input: [
        { message: identify('1@x.com'), metadata: meta(1), destination: a },
        { message: identify('2@x.com'), metadata: meta(2), destination: b },
        { message: identify('3@x.com'), metadata: meta(3), destination: a },
        { message: identify('4@x.com'), metadata: meta(4), destination: aChanged },
      ],
    });
    expect(calls.sort()).toEqual([[1, 3], [2], [4]]);
    const jobIds = (res.json() as { output: { metadata: { jobId: number }[] }[] }).output.flatMap((e) =>
      e.metadata.map((m) => m.jobId),
    );
    expect(jobIds.sort()).toEqual([1, 2, 3, 4]);
  });

  it('expands the compacted payload (x-content-format: json+compactedv1)', async () => {
    start(fakeHandlers([{ Id: '00Q5g000001CCCCEA0', Email: 'c@initech.com' }]));
    const dest = destination();
    const res = await post(
      '/routerTransform',
      {
        destType: 'salesforce',
        input: [{ message: identify('c@initech.com', { title: 'CTO' }), metadata: meta(1) }],
        destinations: { 'dest-1': dest },
        connections: {},
      },
      { 'x-content-format': 'json+compactedv1' },
    );
    const [element] = (
      res.json() as {
        output: { statusCode: number; batchedRequest: { method: string }; destination: unknown }[];
      }
    ).output;
    expect(element.statusCode).toBe(200);
    expect(element.batchedRequest.method).toBe('PATCH');
    expect(element.destination).toEqual(echoed(dest));
  });
});

describe('POST /v0/destinations/:destination/proxy', () => {
  const descriptor = leadCreateDescriptor({
    LastName: 'Bolton',
    Company: 'Initech',
    Email: 'new@initech.com',
  });

  it('sends the descriptor and answers the handler result with HTTP 200', async () => {
    start();
    nock(INSTANCE)
      .post(`${API}/sobjects/Lead`, { LastName: 'Bolton', Company: 'Initech', Email: 'new@initech.com' })
      .matchHeader('authorization', `Bearer ${SECRETS.accessToken}`)
      .matchHeader('user-agent', 'RudderLabs')
      .reply(201, { id: '00Q5g000001NEWWEA0', success: true, errors: [] });
    const res = await post('/v0/destinations/salesforce/proxy', {
      ...descriptor,
      metadata: meta(1),
      destinationConfig: {},
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers.apiversion).toBe('2');
    expect(res.json()).toEqual({
      output: {
        status: 200,
        message: 'Request for destination: salesforce Processed Successfully',
        destinationResponse: {
          status: 201,
          response: { id: '00Q5g000001NEWWEA0', success: true, errors: [] },
          headers: { 'content-type': 'application/json' },
        },
      },
    });
  });

  it('answers a thrown handler error with the spec A.5.3 failure output and the error status', async () => {
    start();
    const body = [{ message: "No such column 'Foo__c' on sobject of type Lead", errorCode: 'INVALID_FIELD' }];
    nock(INSTANCE).post(`${API}/sobjects/Lead`).reply(400, body);
    const res = await post('/v0/destinations/salesforce/proxy', {
      ...descriptor,
      metadata: meta(1),
      destinationConfig: {},
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      output: {
        status: 400,
        message: `Salesforce Request Failed: "400" due to "No such column 'Foo__c' on sobject of type Lead", (Aborted) during Salesforce Response Handling`,
        destinationResponse: { status: 400, response: body, headers: { 'content-type': 'application/json' } },
        statTags: {
          errorCategory: 'network',
          errorType: 'aborted',
          destType: 'SALESFORCE',
          module: 'destination',
          implementation: 'native',
          feature: 'dataDelivery',
          destinationId: 'dest-1',
          workspaceId: 'ws-1',
        },
      },
    });
  });

  it('carries REFRESH_TOKEN for an expired host-owned session, with HTTP 500', async () => {
    start();
    nock(INSTANCE)
      .post(`${API}/sobjects/Lead`)
      .reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const res = await post('/v0/destinations/salesforce_oauth/proxy', {
      ...descriptor,
      metadata: { jobId: 9, secret: { access_token: 'host-token', instance_url: INSTANCE } },
      destinationConfig: {},
    });
    expect(res.statusCode).toBe(500);
    const { output } = res.json() as { output: Record<string, unknown> };
    expect(output).toMatchObject({
      status: 500,
      authErrorCategory: 'REFRESH_TOKEN',
      statTags: {
        destType: 'SALESFORCE_OAUTH',
        destinationId: 'Non-determininable',
        workspaceId: 'Non-determininable',
        feature: 'dataDelivery',
      },
    });
  });

  it("passes rudder-server's RdProxy-Timeout to the Salesforce call", async () => {
    const seen: (number | undefined)[] = [];
    start({
      handlers: {
        proxy: async (_request, _destType, timeoutMs) => {
          seen.push(timeoutMs);
          return { status: 204, response: '' };
        },
      },
    });
    await post(
      '/v0/destinations/salesforce/proxy',
      { ...descriptor, metadata: meta(1) },
      { 'RdProxy-Timeout': '15000' },
    );
    await post(
      '/v1/destinations/salesforce/proxy',
      { ...descriptor, metadata: [meta(1)] },
      { 'RdProxy-Timeout': '2500' },
    );
    await post('/v1/destinations/salesforce/proxy', { ...descriptor, metadata: [meta(1)] });
    expect(seen).toEqual([15000, 2500, undefined]);
  });

  it('maps a 404 status to HTTP 400 (getCompatibleStatusCode)', async () => {
    start({
      handlers: {
        proxy: async () => ({ status: 404, response: 'gone' }),
        v0ResponseHandler: () => {
          throw new ThrottledError('never');
        },
      },
    });
    const res = await post('/v0/destinations/salesforce/proxy', { ...descriptor, metadata: meta(1) });
    expect(res.statusCode).toBe(429);
    start({
      handlers: {
        proxy: async () => ({ status: 404, response: 'gone' }),
        v0ResponseHandler: ({ destinationResponse }) => ({
          status: 404,
          message: 'not found',
          destinationResponse,
        }),
      },
    });
    const notFound = await post('/v0/destinations/salesforce/proxy', { ...descriptor, metadata: meta(1) });
    expect(notFound.statusCode).toBe(400);
    expect(notFound.json()).toEqual({
      output: { status: 404, message: 'not found', destinationResponse: { status: 404, response: 'gone' } },
    });
  });
});

describe('POST /v1/destinations/:destination/proxy', () => {
  it('delivers a router collections element and answers one status per job (spec A.5.4, rudder-server.md 2.3)', async () => {
    start(fakeHandlers());
    const dest = destination({ writeMode: 'collections' });
    const router = await post('/routerTransform', {
      destType: 'salesforce',
      input: [
        {
          message: identify('a@initech.com', { lastName: 'A', company: 'C' }),
          metadata: meta(1),
          destination: dest,
        },
        {
          message: identify('b@initech.com', { lastName: 'B', company: 'C' }),
          metadata: meta(2),
          destination: dest,
        },
      ],
    });
    const [element] = (
      router.json() as {
        output: {
          batchedRequest: Record<string, unknown>;
          metadata: Record<string, unknown>[];
          destination: { Config: Record<string, unknown> };
        }[];
      }
    ).output;
    expect(element.metadata).toHaveLength(2);
    nock(INSTANCE)
      .post(`${API}/composite/sobjects`)
      .reply(200, [
        { id: '00Q5g000001AAAAEA0', success: true, errors: [] },
        {
          success: false,
          errors: [
            {
              statusCode: 'UNABLE_TO_LOCK_ROW',
              message: 'unable to obtain exclusive access to this record',
              fields: [],
            },
          ],
        },
      ]);
    const res = await post('/v1/destinations/salesforce/proxy', {
      ...element.batchedRequest,
      metadata: element.metadata,
      destinationConfig: element.destination.Config,
    });
    expect(res.statusCode).toBe(200);
    const { output } = res.json() as { output: DeliveryV1Result };
    expect(output.status).toBe(200);
    expect(output.response.map((r) => [r.metadata.jobId, r.statusCode])).toEqual([
      [1, 200],
      [2, 500],
    ]);
    expect(output.response[0].metadata).toEqual(element.metadata[0]);
    expect(output.response[1].error).toContain('UNABLE_TO_LOCK_ROW');
  });

  it('sets the HTTP status from the status when the handler reports an authErrorCategory', async () => {
    start();
    nock(INSTANCE)
      .post(`${API}/sobjects/Lead`)
      .reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const res = await post('/v1/destinations/salesforce_oauth_sandbox/proxy', {
      ...leadCreateDescriptor({ LastName: 'X' }),
      metadata: [{ jobId: 1 }, { jobId: 2 }],
      destinationConfig: {},
    });
    expect(res.statusCode).toBe(500);
    const { output } = res.json() as { output: DeliveryV1Result };
    expect(output.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(output.response.map((r) => r.statusCode)).toEqual([500, 500]);
  });

  it('answers a throwing handler with one failure entry per job (spec A.5.4 item 3)', async () => {
    start({
      handlers: {
        proxy: async () => ({ status: 429, response: { reason: 'busy' } }),
        v1ResponseHandler: ({ destinationResponse }) => {
          throw new ThrottledError('Salesforce is busy', destinationResponse);
        },
      },
    });
    const metadata = [meta(1), meta(2)];
    const res = await post('/v1/destinations/salesforce/proxy', {
      ...leadCreateDescriptor({}),
      metadata,
      destinationConfig: {},
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      output: {
        response: metadata.map((m) => ({ error: '{"reason":"busy"}', statusCode: 429, metadata: m })),
        statTags: {
          errorCategory: 'network',
          errorType: 'throttled',
          destType: 'SALESFORCE',
          module: 'destination',
          implementation: 'native',
          feature: 'dataDelivery',
          destinationId: 'dest-1',
          workspaceId: 'ws-1',
        },
        message: 'Salesforce is busy',
        status: 429,
      },
    });
  });

  it('answers 404 for an unknown destination', async () => {
    start();
    const res = await post('/v1/destinations/zendesk/proxy', { ...leadCreateDescriptor({}), metadata: [] });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Unknown destination: zendesk' });
  });
});

describe('POST /deleteUsers', () => {
  const request = (destType: string, extra: Record<string, unknown> = {}) => ({
    jobId: 'job-1',
    destType,
    config: { userName: 'u', password: 'p', initialAccessToken: 't' },
    userAttributes: [{ userId: 'u1', email: 'gone@initech.com' }],
    ...extra,
  });

  it("answers one element per request; the HTTP status is the first element's", async () => {
    const seen: unknown[] = [];
    start({
      handlers: {
        deleteUsers: async (req) => {
          seen.push(req);
          if ((req as { jobId: string }).jobId === 'job-2')
            throw new ThrottledError('Salesforce: REQUEST_LIMIT_EXCEEDED during user deletion');
          return { statusCode: 200, status: 'successful' };
        },
      },
    });
    const res = await post(
      '/deleteUsers',
      [request('salesforce'), request('SALESFORCE', { jobId: 'job-2' })],
      {
        'x-rudder-dest-info': JSON.stringify({ secret: { access_token: 'tok', instance_url: INSTANCE } }),
      },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      { statusCode: 200, status: 'successful' },
      {
        statusCode: 429,
        error: 'Salesforce: REQUEST_LIMIT_EXCEEDED during user deletion',
        statTags: expect.objectContaining({
          errorCategory: 'network',
          errorType: 'throttled',
          destType: 'SALESFORCE',
          feature: 'userDeletion',
          module: 'destination',
        }),
      },
    ]);
    // The destination sees the header's object as rudderDestInfo (it may carry the OAuth secret).
    expect(seen[0]).toMatchObject({
      jobId: 'job-1',
      rudderDestInfo: { secret: { access_token: 'tok', instance_url: INSTANCE } },
    });
  });

  it('answers 404 for a destination without user deletion, as the first element', async () => {
    start({ handlers: { deleteUsers: async () => ({ statusCode: 200, status: 'successful' }) } });
    const res = await post('/deleteUsers', [request('zendesk'), request('salesforce')]);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual([
      { statusCode: 404, error: "zendesk: Doesn't support deletion of users" },
      { statusCode: 200, status: 'successful' },
    ]);
  });

  it('answers a refused legacy login as an aborted element, with the user deletion tags and no secret', async () => {
    start(); // the real destination: its legacy login is refused by Salesforce
    nock('https://login.salesforce.com')
      .post('/services/oauth2/token')
      .reply(400, { error: 'invalid_grant', error_description: 'authentication failure' });
    const res = await post('/deleteUsers', [request('salesforce', { config: destination().Config })]);
    const [element] = res.json();
    expect(res.statusCode).toBe(element.statusCode);
    expect(element).toMatchObject({
      statusCode: 400,
      statTags: {
        errorCategory: 'network',
        errorType: 'aborted',
        feature: 'userDeletion',
        destType: 'SALESFORCE',
      },
    });
    expect(element.error).toContain('authentication failure');
    for (const secret of Object.values(SECRETS)) expect(res.body).not.toContain(secret);
  });

  it('refuses a body that is not a non-empty array, and a header that is not JSON, naming the problem', async () => {
    start();
    const empty = await post('/deleteUsers', []);
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toMatch(/must NOT have fewer than 1 items/);
    const badHeader = await post('/deleteUsers', [request('salesforce')], {
      'x-rudder-dest-info': '{"secret": oops',
    });
    expect(badHeader.statusCode).toBe(400);
    expect(badHeader.body).toContain('x-rudder-dest-info header is not valid JSON');
    expect(badHeader.body).not.toContain('oops');
  });

  it("deletes the Lead with the user's email through the real destination", async () => {
    start();
    // The Lead and Contact lookups go in one Composite request.
    const scope = nock(INSTANCE)
      .post(`${API}/composite`)
      .reply(200, {
        compositeResponse: [
          {
            httpStatusCode: 200,
            referenceId: 'lookup0',
            body: {
              totalSize: 1,
              done: true,
              records: [{ Id: '00Q000000000001AAA', attributes: { type: 'Lead' } }],
            },
          },
          { httpStatusCode: 200, referenceId: 'lookup1', body: { totalSize: 0, done: true, records: [] } },
        ],
      })
      .delete(`${API}/composite/sobjects`)
      .query(true)
      .reply(200, [{ id: '00Q000000000001AAA', success: true, errors: [] }]);
    const res = await post('/deleteUsers', [request('salesforce_oauth', { config: {} })], {
      'x-rudder-dest-info': JSON.stringify({ secret: { access_token: 'tok', instance_url: INSTANCE } }),
    });
    expect(res.json()).toEqual([{ statusCode: 200, status: 'successful' }]);
    expect(scope.isDone()).toBe(true);
  });
});

describe('GET routes', () => {
  it('/health answers UP with the version', async () => {
    start({ version: '1.2.3' });
    const res = await inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ service: 'UP', version: '1.2.3' });
  });

  it('/features advertises the router transform and proxy v1 for the three definition names', async () => {
    start();
    const res = await inject({ method: 'GET', url: '/features' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      routerTransform: { SALESFORCE: true, SALESFORCE_OAUTH: true, SALESFORCE_OAUTH_SANDBOX: true },
      regulations: ['SALESFORCE', 'SALESFORCE_OAUTH', 'SALESFORCE_OAUTH_SANDBOX'],
      supportTransformerProxyV1: true,
      supportDestTransformCompactedPayloadV1: true,
    });
  });

  it('/metrics exposes jobs by outcome, Salesforce calls, API usage, batch sizes, token refreshes and latency', async () => {
    const { handlers } = fakeHandlers();
    start({ handlers });
    const dest = destination();
    // Salesforce-side telemetry comes from the destination's HTTP client (not used here): report it as it does.
    const { telemetry } = handlers.transform.runtime;
    telemetry.emit('apiCall', { destinationId: 'dest-1', endpoint: 'token', status: 200 });
    telemetry.emit('tokenRefresh', { destinationId: 'dest-1', flow: 'password' });
    telemetry.emit('apiCall', { destinationId: 'dest-1', endpoint: 'query', status: 200 });
    telemetry.emit('apiUsage', { destinationId: 'dest-1', used: 42, max: 15000 });
    await post('/routerTransform', {
      destType: 'salesforce',
      input: [
        {
          message: identify('m@initech.com', { lastName: 'M', company: 'C' }),
          metadata: meta(1),
          destination: dest,
        },
        { message: { type: 'page' }, metadata: meta(2), destination: dest },
        {
          message: { ...identify('f@initech.com'), integrations: { Salesforce: false } },
          metadata: meta(3),
          destination: dest,
        },
      ],
    });
    const res = await inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    const line = (prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));
    expect(
      line(
        'sf_destination_jobs_total{feature="router",destination="salesforce",outcome="success",status_class="2xx"}',
      ),
    ).toMatch(/ 1$/);
    expect(
      line(
        'sf_destination_jobs_total{feature="router",destination="salesforce",outcome="aborted",status_class="4xx"}',
      ),
    ).toMatch(/ 1$/);
    expect(
      line(
        'sf_destination_jobs_total{feature="router",destination="salesforce",outcome="filtered",status_class="2xx"}',
      ),
    ).toMatch(/ 1$/);
    expect(line('sf_destination_salesforce_api_calls_total{endpoint="token",status_class="2xx"}')).toMatch(
      / 1$/,
    );
    expect(line('sf_destination_salesforce_api_calls_total{endpoint="query",status_class="2xx"}')).toMatch(
      / 1$/,
    );
    expect(line('sf_destination_salesforce_api_usage_used{destination_id="dest-1"}')).toMatch(/ 42$/);
    expect(line('sf_destination_salesforce_api_usage_max{destination_id="dest-1"}')).toMatch(/ 15000$/);
    expect(line('sf_destination_router_batch_size_count{kind="inputs"}')).toMatch(/ 1$/);
    expect(line('sf_destination_router_batch_size_sum{kind="inputs"}')).toMatch(/ 3$/);
    expect(line('sf_destination_token_refreshes_total{flow="password"}')).toMatch(/ 1$/);
    expect(
      line(
        'sf_destination_http_request_duration_seconds_count{method="POST",route="/routerTransform",status_class="2xx"}',
      ),
    ).toMatch(/ 1$/);
    expect(line('process_cpu_seconds_total')).toMatch(/^process_cpu_seconds_total [\d.e+-]+$/);
  });

  it('answers 404 with a JSON error for an unknown route', async () => {
    start();
    const res = await inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Route not found: GET /nope' });
  });
});
