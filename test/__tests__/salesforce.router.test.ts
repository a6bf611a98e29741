/**
 * processRouterDest: the batched plan. Lookups shared by the batch, duplicates merged, bad events isolated,
 * every job in exactly one output, collections writes with per-job record references.
 */
import { ConfigurationError, RetryableError } from '../../src/framework/errors';
import type { RouterInput, RouterOutput, RouterSuccessOutput } from '../../src/framework/types';
import { createSalesforceDestination } from '../../src/v0/destinations/salesforce/transform';
import { FakeClient } from '../__mocks__/fakeClient';
import { destination, identify, input, normalise } from '../__mocks__/salesforce';

const leadRecord = (Id: string, Email: string, extra: Record<string, unknown> = {}) => ({
  Id,
  Email,
  IsConverted: false,
  ConvertedContactId: null,
  IsDeleted: false,
  ...extra,
});

function jobIds(outputs: RouterOutput[]): number[][] {
  return outputs.map((o) => o.metadata.map((m) => m.jobId as number));
}

function batch(dest = destination()): RouterInput[] {
  return [
    input(identify({ email: 'known@acme.com', title: 'CEO' }), dest, { jobId: 1, userId: 'u1' }),
    input(identify({ email: 'new@acme.com', firstName: 'Ann' }), dest, { jobId: 2, userId: 'u2' }),
    input({ type: 'track', event: 'x', integrations: { Salesforce: true } }, dest, {
      jobId: 3,
      userId: 'u3',
    }),
    input(identify({ email: 'NEW@acme.com', lastName: 'Lee', company: 'Lee Co' }), dest, {
      jobId: 4,
      userId: 'u4',
    }),
    input(identify({ email: 'quiet@acme.com' }, { integrations: {} }), dest, { jobId: 5, userId: 'u5' }),
    input(identify({ email: 'other@acme.com', phone: '1' }), dest, { jobId: 6, userId: 'u6' }),
  ];
}

const existing = {
  Lead: [
    leadRecord('00Q000000000001AAA', 'known@acme.com'),
    leadRecord('00Q000000000006AAA', 'Other@Acme.com'),
  ],
};

describe('processRouterDest, record mode (default)', () => {
  it('spends one login and one lookup for the batch, merges duplicate new emails and isolates bad events', async () => {
    const client = new FakeClient(existing);
    const outputs = await createSalesforceDestination({ client }).processRouterDest(batch());

    expect(client.authorizations).toBe(1);
    expect(client.queries).toEqual([
      "SELECT Id, Email, IsConverted, ConvertedContactId, IsDeleted FROM Lead WHERE Email IN ('known@acme.com', 'new@acme.com', 'other@acme.com')",
    ]);
    expect(jobIds(outputs)).toEqual([[1], [2, 4], [3], [5], [6]]);
    const [update, create, bad, filtered, update2] = outputs;
    expect(update.statusCode).toBe(200);
    expect((update as RouterSuccessOutput).batchedRequest).toMatchObject({
      method: 'PATCH',
      endpoint: 'https://fake.my.salesforce.com/services/data/v62.0/sobjects/Lead/00Q000000000001AAA',
      body: { JSON: { Email: 'known@acme.com', Title: 'CEO' } },
    });
    // Two identifies for one new person: one create, later values win, placeholders only where nothing real.
    expect((create as RouterSuccessOutput).batchedRequest).toMatchObject({
      method: 'POST',
      body: { JSON: { Email: 'NEW@acme.com', FirstName: 'Ann', LastName: 'Lee', Company: 'Lee Co' } },
    });
    expect(bad).toMatchObject({
      statusCode: 400,
      statTags: { errorCategory: 'dataValidation', errorType: 'instrumentation' },
    });
    expect(filtered).toMatchObject({ statusCode: 298, statTags: {} });
    expect((update2 as RouterSuccessOutput).batchedRequest).toMatchObject({
      method: 'PATCH',
      endpoint: expect.stringMatching(/00Q000000000006AAA$/),
    });
    // Secrets are not echoed back in the destination.
    for (const output of outputs) {
      expect(JSON.stringify(output.destination)).not.toMatch(
        /Sup3r-Secret-Pw|SECTOKEN123456|client-secret-xyz/,
      );
      expect(output.destination?.ID).toBe('dest-1');
    }
    expect(normalise(outputs)).toMatchSnapshot();
  });

  it('keeps a job that writes several records in one element, with the jobs that share those records', async () => {
    const client = new FakeClient(existing);
    const dest = destination();
    const outputs = await createSalesforceDestination({ client }).processRouterDest([
      input(
        identify(
          { Name: 'Acme' },
          {
            context: {
              externalId: [
                { type: 'Salesforce-Account', id: '001000000000001AAA' },
                { type: 'Salesforce-Contact', id: '003000000000001AAA' },
              ],
            },
          },
        ),
        dest,
        { jobId: 1 },
      ),
      input(
        identify(
          { Phone: '2' },
          { context: { externalId: [{ type: 'Salesforce-Contact', id: '003000000000001AAA' }] } },
        ),
        dest,
        { jobId: 2 },
      ),
      input(
        identify(
          { Name: 'Solo' },
          { context: { externalId: [{ type: 'Salesforce-Account', id: '001000000000009AAA' }] } },
        ),
        dest,
        { jobId: 3 },
      ),
    ]);
    expect(client.queries).toEqual([]);
    expect(jobIds(outputs)).toEqual([[1, 2], [3]]);
    const merged = (outputs[0] as RouterSuccessOutput).batchedRequest;
    expect(Array.isArray(merged)).toBe(true);
    expect(merged).toMatchObject([
      {
        method: 'PATCH',
        endpoint: expect.stringMatching(/Account\/001000000000001AAA$/),
        body: { JSON: { Name: 'Acme' } },
      },
      {
        method: 'PATCH',
        endpoint: expect.stringMatching(/Contact\/003000000000001AAA$/),
        body: { JSON: { Name: 'Acme', Phone: '2' } },
      },
    ]);
  });

  it('gives every live job the login error, and still filters what it filters', async () => {
    const client = new FakeClient(existing);
    client.failAuth = new ConfigurationError(
      'Invalid Salesforce destination config: Config.password is required',
    );
    const outputs = await createSalesforceDestination({ client }).processRouterDest(batch());
    expect(jobIds(outputs)).toEqual([[1], [2], [3], [4], [5], [6]]);
    expect(outputs.map((o) => o.statusCode)).toEqual([400, 400, 400, 400, 298, 400]);
    expect(client.queries).toHaveLength(0);
  });

  it('fails only the jobs of a failed lookup, and holds back later jobs of their users to keep order', async () => {
    const client = new FakeClient(existing);
    client.failQuery = () =>
      new RetryableError('Salesforce Request Failed: 503 - due to "down", (Retryable)');
    const dest = destination();
    const outputs = await createSalesforceDestination({ client }).processRouterDest([
      input(identify({ email: 'a@acme.com' }), dest, { jobId: 1, userId: 'u1' }),
      input(
        identify(
          { Name: 'X' },
          { context: { externalId: [{ type: 'Salesforce-Account', id: '001000000000001AAA' }] } },
        ),
        dest,
        { jobId: 2, userId: 'u1' },
      ),
      input(
        identify(
          { Name: 'Y' },
          { context: { externalId: [{ type: 'Salesforce-Account', id: '001000000000002AAA' }] } },
        ),
        dest,
        { jobId: 3, userId: 'u2' },
      ),
    ]);
    expect(jobIds(outputs)).toEqual([[1], [2], [3]]);
    expect(outputs.map((o) => o.statusCode)).toEqual([500, 500, 200]);
    expect(outputs[1]).toMatchObject({
      error: expect.stringMatching(/Held back to keep this user's events in order/),
    });
  });

  it('passes through already transformed inputs and rejects a bad config per job', async () => {
    const client = new FakeClient();
    const transformed = {
      statusCode: 200,
      method: 'POST',
      endpoint: 'https://x',
      headers: {},
      params: {},
      body: { JSON: {} },
    };
    const bad = destination({ apiVersion: 'latest' }, 'SALESFORCE', 'dest-bad');
    const outputs = await createSalesforceDestination({ client }).processRouterDest([
      input(transformed, destination(), { jobId: 1 }),
      input(identify({ email: 'a@acme.com' }), bad, { jobId: 2 }),
      input(identify({ email: 'b@acme.com' }), bad, { jobId: 3 }),
    ]);
    expect(jobIds(outputs)).toEqual([[1], [2], [3]]);
    expect(outputs[0]).toMatchObject({ statusCode: 200, batchedRequest: transformed });
    expect(outputs[1]).toMatchObject({ statusCode: 400, error: expect.stringMatching(/Config\.apiVersion/) });
    expect(client.authorizations).toBe(0);
  });

  it('plans each destination of a mixed call on its own', async () => {
    const client = new FakeClient(existing);
    const outputs = await createSalesforceDestination({ client }).processRouterDest([
      input(identify({ email: 'known@acme.com' }), destination({}, 'SALESFORCE', 'd-a'), { jobId: 1 }),
      input(identify({ email: 'known@acme.com' }), destination({}, 'SALESFORCE', 'd-b'), { jobId: 2 }),
    ]);
    expect(client.authorizations).toBe(2);
    expect(jobIds(outputs).sort()).toEqual([[1], [2]]);
    expect(outputs.map((o) => o.destination?.ID).sort()).toEqual(['d-a', 'd-b']);
  });

  it('adds destInfo.authKey in processMetadataForRouter without changing the rest of the metadata', () => {
    const sf = createSalesforceDestination({ client: new FakeClient() });
    const metadata = [{ jobId: 7, userId: 'u', attemptNum: 2, destInfo: { orderKey: 'm:u' } }];
    const result = sf.processMetadataForRouter({ metadata, destination: { ID: 'dest-1' } });
    expect(result).toEqual([
      { jobId: 7, userId: 'u', attemptNum: 2, destInfo: { orderKey: 'm:u', authKey: 'dest-1' } },
    ]);
    expect(metadata[0].destInfo).toEqual({ orderKey: 'm:u' });
  });
});

describe('processRouterDest, unknown fields', () => {
  const traits = { email: 'known@acme.com', title: 'CEO', newProp: 'x' };

  it('reports dropped fields under destInfo (unknownFieldPolicy drop), in both write modes', async () => {
    for (const writeMode of ['record', 'collections']) {
      const client = new FakeClient(existing);
      client.fields = { Lead: ['Email', 'Title'] };
      const dest = destination({ unknownFieldPolicy: 'drop', writeMode });
      const [output] = (await createSalesforceDestination({ client }).processRouterDest([
        input(identify(traits), dest, { jobId: 1, userId: 'u1' }),
      ])) as RouterSuccessOutput[];
      expect(output.statusCode).toBe(200);
      expect(output.metadata[0].destInfo).toMatchObject({ droppedFields: ['Lead.newProp__c'] });
      expect(JSON.stringify(output.batchedRequest)).not.toContain('newProp__c');
    }
  });

  it('rejects only the event that carries the field (default policy)', async () => {
    const client = new FakeClient(existing);
    client.fields = { Lead: ['Email', 'Title'] };
    const dest = destination();
    const outputs = await createSalesforceDestination({ client }).processRouterDest([
      input(identify(traits), dest, { jobId: 1, userId: 'u1' }),
      input(identify({ email: 'other@acme.com', title: 'CTO' }), dest, { jobId: 2, userId: 'u2' }),
    ]);
    expect(outputs.map((o) => o.statusCode)).toEqual([400, 200]);
    expect(outputs[0]).toMatchObject({
      error: expect.stringMatching(/^Field newProp__c does not exist on Lead/),
    });
  });
});

describe('processRouterDest, collections mode', () => {
  const dest = destination({ writeMode: 'collections' });

  it('writes a mixed batch as one Composite request with per-job record references', async () => {
    const client = new FakeClient(existing);
    const outputs = await createSalesforceDestination({ client }).processRouterDest(batch(dest));
    expect(jobIds(outputs)).toEqual([[1, 2, 4, 6], [3], [5]]);
    const [write] = outputs as RouterSuccessOutput[];
    expect(write.batched).toBe(true);
    const request = write.batchedRequest as {
      method: string;
      endpoint: string;
      body: { JSON: { compositeRequest: { method: string; url: string; body: { records: unknown[] } }[] } };
    };
    expect(request.method).toBe('POST');
    expect(request.endpoint).toBe('https://fake.my.salesforce.com/services/data/v62.0/composite');
    const subs = request.body.JSON.compositeRequest;
    expect(subs.map((s) => [s.method, s.url, s.body.records.length])).toEqual([
      ['POST', '/services/data/v62.0/composite/sobjects', 1],
      ['PATCH', '/services/data/v62.0/composite/sobjects', 2],
    ]);
    expect(subs[0].body.records[0]).toEqual({
      attributes: { type: 'Lead' },
      Email: 'NEW@acme.com',
      FirstName: 'Ann',
      LastName: 'Lee',
      Company: 'Lee Co',
    });
    expect(write.metadata.map((m) => (m.destInfo as { records: unknown }).records)).toEqual([
      [{ sub: 1, rec: 0 }],
      [{ sub: 0, rec: 0 }],
      [{ sub: 0, rec: 0 }],
      [{ sub: 1, rec: 1 }],
    ]);
    // Metadata is echoed: only destInfo is added.
    expect(write.metadata[0]).toMatchObject({
      jobId: 1,
      userId: 'u1',
      destinationId: 'dest-1',
      workspaceId: 'ws-1',
    });
  });

  it('uses a plain collections call when the batch only creates, and splits at 200 records', async () => {
    const client = new FakeClient();
    const inputs = Array.from({ length: 450 }, (_, i) =>
      input(identify({ email: `p${i}@acme.com` }), dest, { jobId: i + 1 }),
    );
    const outputs = (await createSalesforceDestination({ client }).processRouterDest(
      inputs,
    )) as RouterSuccessOutput[];
    expect(client.queries.length).toBeLessThanOrEqual(3);
    expect(outputs).toHaveLength(1);
    const body = (
      outputs[0].batchedRequest as {
        body: { JSON: { compositeRequest: { body: { records: unknown[] } }[] } };
      }
    ).body.JSON;
    expect(body.compositeRequest.map((s) => s.body.records.length)).toEqual([200, 200, 50]);
    expect(outputs[0].metadata).toHaveLength(450);

    const small = (await createSalesforceDestination({ client: new FakeClient() }).processRouterDest(
      inputs.slice(0, 3),
    )) as RouterSuccessOutput[];
    expect(small[0].batchedRequest).toMatchObject({
      method: 'POST',
      endpoint: expect.stringMatching(/\/composite\/sobjects$/),
    });
  });

  it('starts a new element past 5 collections subrequests (1,000 records)', async () => {
    const inputs = Array.from({ length: 1100 }, (_, i) =>
      input(identify({ email: `q${i}@acme.com` }), dest, { jobId: i + 1 }),
    );
    const outputs = (await createSalesforceDestination({ client: new FakeClient() }).processRouterDest(
      inputs,
    )) as RouterSuccessOutput[];
    expect(outputs.map((o) => o.metadata.length)).toEqual([1000, 100]);
  });

  it('writes a dontBatch job on its own, as a single-record request', async () => {
    const inputs = batch(dest);
    inputs[0].metadata = { ...inputs[0].metadata, dontBatch: true };
    const outputs = (await createSalesforceDestination({
      client: new FakeClient(existing),
    }).processRouterDest(inputs)) as RouterSuccessOutput[];
    expect(jobIds(outputs)).toEqual([[1], [2, 4, 6], [3], [5]]);
    expect(outputs[0].batchedRequest).toMatchObject({
      method: 'PATCH',
      endpoint: expect.stringMatching(/sobjects\/Lead\/00Q000000000001AAA$/),
    });
    expect(outputs[0].batched).toBe(false);
  });
});

describe('input shape: deep nesting and prototype keys cost only their own job', () => {
  /** An array nested `depth` levels deep, built without recursion. */
  const nested = (depth: number): unknown => {
    let value: unknown = 'x';
    for (let i = 0; i < depth; i += 1) value = [value];
    return value;
  };

  it('a 5,000-deep trait and a __proto__ key each get their own 400; the good event is written', async () => {
    const dest = destination();
    const outputs = await createSalesforceDestination({ client: new FakeClient() }).processRouterDest([
      input(identify({ email: 'deep@acme.com', title: nested(5000) }), dest, { jobId: 1, userId: 'u1' }),
      input(identify(JSON.parse('{"email": "p@acme.com", "__proto__": {"admin": true}}')), dest, {
        jobId: 2,
        userId: 'u2',
      }),
      input(identify({ email: 'good@acme.com', lastName: 'G' }), dest, { jobId: 3, userId: 'u3' }),
    ]);
    expect(jobIds(outputs)).toEqual([[1], [2], [3]]);
    expect(outputs.map((o) => o.statusCode)).toEqual([400, 400, 200]);
    expect('error' in outputs[0] && outputs[0].error).toMatch(
      /^Invalid event: message\.traits\.title(\[0\])+ is nested more than 64 levels deep/,
    );
    expect('error' in outputs[1] && outputs[1].error).toBe(
      "Invalid event: message.traits.__proto__ is a key that could change an object's prototype; rename it",
    );
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('a destination config with a constructor.prototype key is a configuration error', async () => {
    const dest = destination(JSON.parse('{"constructor": {"prototype": {"x": 1}}}'));
    const [output] = await createSalesforceDestination({ client: new FakeClient() }).processRouterDest([
      input(identify({ email: 'a@acme.com' }), dest, { jobId: 1 }),
    ]);
    expect(output).toMatchObject({
      statusCode: 400,
      error:
        "Invalid Salesforce destination config: Config.constructor.prototype is a key that could change an object's prototype; rename it",
      statTags: { errorCategory: 'dataValidation', errorType: 'configuration' },
    });
  });
});

describe('processRouterDest called directly with malformed inputs', () => {
  it('gives each malformed input its own error element and plans the rest', async () => {
    const dest = destination();
    const inputs = [
      null,
      { message: identify({ email: 'x@acme.com' }), metadata: { jobId: 2 } },
      input(identify({ email: 'ok@acme.com', lastName: 'Ok' }), dest, { jobId: 3, userId: 'u3' }),
      { message: 'text', destination: dest, metadata: { jobId: 4 } },
    ] as unknown as RouterInput[];
    const outputs = await createSalesforceDestination({ client: new FakeClient() }).processRouterDest(inputs);
    expect(jobIds(outputs).flat().sort()).toEqual([2, 3, 4]);
    const byJob = (id: number) => outputs.find((o) => o.metadata.some((m) => m.jobId === id));
    expect(byJob(2)).toMatchObject({
      statusCode: 400,
      error: 'Invalid router input: input[1].destination must be an object with an ID and a Config',
      statTags: { errorCategory: 'platform' },
    });
    expect(byJob(4)).toMatchObject({
      statusCode: 400,
      error: 'Invalid router input: input[3].message must be an object (the event)',
    });
    expect(byJob(3)?.statusCode).toBe(200);
    const nullElement = outputs.find(
      (o) => o.metadata.length === 1 && Object.keys(o.metadata[0]).length === 0,
    );
    expect(nullElement).toMatchObject({
      statusCode: 400,
      error: 'Invalid router input: input[0] must be an object with message and destination',
    });
  });
});

describe('deep ids and metadata never reach a recursive reader', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 'x';
    for (let i = 0; i < depth; i += 1) value = [value];
    return value;
  };

  it('a 200,000-deep userId and deep metadata: their jobs get their own 400, the reply serialises', async () => {
    const dest = destination();
    const outputs = await createSalesforceDestination({ client: new FakeClient() }).processRouterDest([
      input(identify({ email: 'a@acme.com' }, { userId: nested(200_000) }), dest, { jobId: 1 }),
      input(identify({ email: 'b@acme.com' }), dest, { jobId: 2, extra: nested(200_000) }),
      input(identify({ email: 'ok@acme.com', lastName: 'Ok' }), dest, { jobId: 3, userId: 'u3' }),
    ]);
    expect(outputs.map((o) => [o.metadata[0].jobId, o.statusCode])).toEqual([
      [1, 400],
      [2, 400],
      [3, 200],
    ]);
    expect(outputs[1].metadata[0]).toMatchObject({
      jobId: 2,
      extra: '[removed: nested too deep, or a prototype key]',
    });
    expect(() => JSON.stringify(outputs)).not.toThrow();
  });
});

describe('processRouterDest, lookup values typed as their fields', () => {
  const rules = [
    {
      name: 'companies',
      when: { type: 'group' },
      object: 'Account',
      operation: 'upsert',
      match: { fields: [{ field: 'AccountNumber', sourceKeys: 'groupId' }] },
      fields: [{ destKey: 'Name', sourceKeys: 'traits.name' }],
    },
    {
      name: 'by size',
      when: { type: 'track', event: 'Sized' },
      object: 'Account',
      operation: 'update',
      match: { fields: [{ field: 'NumberOfEmployees', sourceKeys: 'properties.size' }] },
      fields: [{ destKey: 'Name', sourceKeys: 'properties.name' }],
    },
  ];
  const group = (groupId: unknown, name: string) => ({
    type: 'group',
    groupId,
    traits: { name },
    integrations: { Salesforce: true },
  });
  const sized = (size: unknown) => ({
    type: 'track',
    event: 'Sized',
    properties: { size, name: 'Big' },
    integrations: { Salesforce: true },
  });

  it('looks a number up as text in a text field, a numeric string as a number in a number field; a value that cannot be is its job’s 400 only', async () => {
    const client = new FakeClient({ Account: [] });
    client.fields = { Account: ['Id', 'Name', 'AccountNumber', 'NumberOfEmployees'] };
    client.types = { 'Account.NumberOfEmployees': 'int' };
    const dest = destination({ eventMappings: rules });
    const outputs = await createSalesforceDestination({ client }).processRouterDest([
      input(group(1001, 'Initech'), dest, { jobId: 1, userId: 'u1' }),
      input(group('ACC-2', 'Globex'), dest, { jobId: 2, userId: 'u2' }),
      input(sized('250'), dest, { jobId: 3, userId: 'u3' }),
      input(sized('many'), dest, { jobId: 4, userId: 'u4' }),
    ]);
    // SOQL is type-strict: a bare number against the text field AccountNumber would fail the whole query.
    expect(client.queries).toEqual([
      "SELECT Id, AccountNumber FROM Account WHERE AccountNumber IN ('1001', 'ACC-2')",
      'SELECT Id, NumberOfEmployees FROM Account WHERE NumberOfEmployees = 250',
    ]);
    const statusOf = (job: number) =>
      outputs.find((o) => o.metadata.some((m) => m.jobId === job))?.statusCode;
    expect([1, 2, 4].map(statusOf)).toEqual([200, 200, 400]);
    const bad = outputs.find((o) => o.metadata.some((m) => m.jobId === 4));
    expect(bad).toMatchObject({
      error:
        'Field Account.NumberOfEmployees is an int field in Salesforce; "many" (a string) cannot be looked up in it: send a whole number',
    });
  });
});
