/**
 * End to end over real HTTP on 127.0.0.1: the service on port 0 and the Salesforce simulator. A router batch is
 * posted as rudder-server posts it, every deliverable element goes through `/v1/destinations/:dest/proxy` with the
 * metadata rudder-server sends back (userId blanked, rudder-server.md 2.2), and the records are checked in the
 * simulator.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { demoDestinationConfig, startSimulator, type Simulator } from '../../../tools/salesforce-sim';
import { buildServer } from '../../../src/server';
import {
  createSalesforceDestination,
  type SalesforceDestination,
} from '../../../src/v0/destinations/salesforce/index';

interface Element {
  statusCode: number;
  batchedRequest?: Record<string, unknown>;
  metadata: Record<string, unknown>[];
  destination?: { Config: Record<string, unknown> };
  error?: string;
}
interface V1Output {
  status: number;
  authErrorCategory?: string;
  response: { statusCode: number; metadata: { jobId: number }; error: string }[];
}

let sim: Simulator;
let app: FastifyInstance;
let base: string;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    apiVersion: res.headers.get('apiversion'),
    body: (await res.json()) as unknown,
  };
}

const identify = (email: string, traits: Record<string, unknown> = {}) => ({
  type: 'identify',
  userId: email,
  integrations: { Salesforce: true },
  traits: { email, ...traits },
});

/** What rudder-server sends to the v1 proxy for a router element. */
async function deliver(destType: string, element: Element) {
  return post(`/v1/destinations/${destType}/proxy`, {
    ...element.batchedRequest,
    metadata: element.metadata.map((m) => ({ ...m, userId: '' })),
    destinationConfig: element.destination?.Config ?? {},
  });
}

describe('service + simulator over HTTP', () => {
  beforeEach(async () => {
    sim = await startSimulator({ port: 0, customFields: { Lead: { newProp__c: 'string' } } });
    app = buildServer({ log: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await app.close();
    await sim.close();
  });

  it('router batch → proxy v1 → records in the simulator (password flow, collections)', async () => {
    const existing = sim.state.seed('Lead', {
      Email: 'old@initech.com',
      LastName: 'Old',
      Company: 'Initech',
    });
    const destination = {
      ID: 'dest-e2e',
      Config: demoDestinationConfig(sim.url, { writeMode: 'collections' }),
      DestinationDefinition: { Name: 'SALESFORCE' },
      WorkspaceID: 'ws-e2e',
    };
    const events = [
      identify('new@initech.com', { lastName: 'New', company: 'Initech', newProp: 'custom' }),
      identify('old@initech.com', { title: 'Boss' }),
      identify('twice@initech.com', { lastName: 'Twice', company: 'Initech' }),
      identify('twice@initech.com', { phone: '555-0100' }),
      { type: 'track', event: 'nope' },
    ];
    const router = await post('/routerTransform', {
      destType: 'salesforce',
      input: events.map((message, i) => ({
        message,
        metadata: {
          jobId: i + 1,
          userId: `u${i}`,
          destinationId: 'dest-e2e',
          workspaceId: 'ws-e2e',
          attemptNum: 0,
        },
        destination,
      })),
    });
    expect(router.status).toBe(200);
    expect(router.apiVersion).toBe('2');
    const output = (router.body as { output: Element[] }).output;
    expect(output.flatMap((e) => e.metadata.map((m) => m.jobId)).sort()).toEqual([1, 2, 3, 4, 5]);
    const deliverable = output.filter((e) => e.statusCode === 200);
    expect(deliverable.flatMap((e) => e.metadata.map((m) => m.jobId)).sort()).toEqual([1, 2, 3, 4]);
    expect(output.find((e) => e.metadata.some((m) => m.jobId === 5))?.statusCode).toBe(400);

    const statuses = new Map<number, number>();
    for (const element of deliverable) {
      const res = await deliver('salesforce', element);
      expect(res.status).toBe(200);
      for (const r of (res.body as { output: V1Output }).output.response)
        statuses.set(r.metadata.jobId, r.statusCode);
    }
    expect([...statuses.entries()].sort()).toEqual([
      [1, 200],
      [2, 200],
      [3, 200],
      [4, 200],
    ]);

    const leads = sim.state.records('Lead');
    const byEmail = (email: string) => leads.filter((l) => l.Email === email);
    expect(leads).toHaveLength(3);
    expect(byEmail('new@initech.com')[0]).toMatchObject({ LastName: 'New', newProp__c: 'custom' });
    expect(byEmail('old@initech.com')[0]).toMatchObject({ Id: existing, Title: 'Boss' });
    expect(byEmail('twice@initech.com')).toHaveLength(1);
    expect(byEmail('twice@initech.com')[0]).toMatchObject({ LastName: 'Twice', Phone: '555-0100' });

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /^sf_destination_salesforce_api_calls_total\{endpoint="token",status_class="2xx"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^sf_destination_salesforce_api_calls_total\{endpoint="delivery",status_class="2xx"\} \d+$/m,
    );
    expect(metrics).toMatch(/^sf_destination_salesforce_api_usage_max\{destination_id="dest-e2e"\} 100000$/m);
    expect(metrics).toMatch(
      /^sf_destination_jobs_total\{feature="proxy_v1",destination="salesforce",outcome="success",status_class="2xx"\} 4$/m,
    );
  });

  it('OAuth: the host token from oauth-secret is used, and an expired one asks rudder-server to refresh', async () => {
    const token = sim.state.issueToken(sim.state.users[0], 'sim-client-id');
    const secret = { access_token: token, instance_url: sim.url };
    const destination = { ID: 'dest-oauth', Config: {}, DestinationDefinition: { Name: 'SALESFORCE_OAUTH' } };
    const router = await post(
      '/routerTransform',
      {
        destType: 'salesforce_oauth',
        input: [1, 2].map((i) => ({
          message: identify(`o${i}@initech.com`, { lastName: `O${i}`, company: 'Initech' }),
          metadata: { jobId: i, userId: `u${i}`, destinationId: 'dest-oauth', workspaceId: 'ws' },
          destination,
        })),
      },
      { 'oauth-secret': JSON.stringify(secret) },
    );
    const [first, second] = (router.body as { output: Element[] }).output;
    expect(first.statusCode).toBe(200);
    expect(first.metadata[0].secret).toEqual(secret);
    expect(sim.state.counters().byEndpoint.token ?? 0).toBe(0);

    const ok = await deliver('salesforce_oauth', first);
    expect(ok.status).toBe(200);
    expect((ok.body as { output: V1Output }).output.response.map((r) => r.statusCode)).toEqual([200]);

    sim.state.expireTokens();
    const expired = await deliver('salesforce_oauth', second);
    expect(expired.status).toBe(500);
    const out = (expired.body as { output: V1Output }).output;
    expect(out.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(out.response.map((r) => [r.metadata.jobId, r.statusCode])).toEqual([[2, 500]]);
    expect(sim.state.records('Lead').map((l) => l.Email)).toEqual(['o1@initech.com']);
  });

  it('answers /health over HTTP and closes gracefully while a request is in flight', async () => {
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ service: 'UP' });

    // The transform holds the request until the server has begun closing: in flight by construction, not by timing.
    const real = createSalesforceDestination();
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const gated: SalesforceDestination = {
      ...real,
      processRouterDest: async (inputs, requestMetadata) => {
        arrive();
        await released;
        return real.processRouterDest(inputs, requestMetadata);
      },
    };
    const closing = buildServer({ log: false, handlers: { transform: gated } });
    closing.addHook('preClose', async () => release());
    try {
      await closing.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(closing.server.address() as AddressInfo).port}`;
      const destination = {
        ID: 'dest-slow',
        Config: demoDestinationConfig(sim.url),
        DestinationDefinition: { Name: 'SALESFORCE' },
      };
      const inFlight = fetch(`${url}/routerTransform`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          destType: 'salesforce',
          input: [
            {
              message: identify('slow@initech.com', { lastName: 'S', company: 'C' }),
              metadata: { jobId: 1 },
              destination,
            },
          ],
        }),
      });
      await arrived;
      const closed = closing.close();
      const res = await inFlight;
      await closed;
      expect(res.status).toBe(200);
      expect(res.headers.get('connection')).toBe('close');
      expect(((await res.json()) as { output: Element[] }).output[0].statusCode).toBe(200);
    } finally {
      await closing.close();
    }
  });
});
