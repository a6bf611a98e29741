/**
 * Invariants of the batched plan and of delivery, over random batches (fast-check):
 * - every input job is in exactly one output element, and gets exactly one delivery status;
 * - a job's metadata stays in event order inside its element;
 * - no two creates in one batch share an email (case-insensitive);
 * - merged records hold the latest value of each field (event order);
 * - at delivery, a user's later job never succeeds after an earlier one must be retried.
 */
import fc from 'fast-check';
import type {
  Metadata,
  RequestDescriptor,
  RouterInput,
  RouterOutput,
  RouterSuccessOutput,
} from '../../src/framework/types';
import { createSalesforceDestination, createV1Handler } from '../../src/v0/destinations/salesforce/index';
import { FakeClient } from '../__mocks__/fakeClient';
import { destination, identify, input } from '../__mocks__/salesforce';

const EMAILS = ['ann@acme.com', 'bob@acme.com', 'cat@acme.com', 'dan@acme.com', 'eve@acme.com'];
const EXISTING = new Set(['bob@acme.com', 'dan@acme.com']);
const existing = {
  Lead: [...EXISTING].map((e, i) => ({
    Id: `00Q00000000000${i}AAA`,
    Email: e,
    IsConverted: false,
    ConvertedContactId: null,
    IsDeleted: false,
  })),
};

type Spec =
  | { kind: 'lead'; email: string; upper: boolean; title?: string }
  | { kind: 'external'; id?: string }
  | { kind: 'track' }
  | { kind: 'unsent' };

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('lead' as const),
      email: fc.constantFrom(...EMAILS),
      upper: fc.boolean(),
      title: fc.option(fc.string({ minLength: 1, maxLength: 5 }), { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('external' as const),
      id: fc.option(fc.constantFrom('001000000000001AAA', '001000000000002AAA'), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'track' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unsent' as const }) },
);

const jobArb = fc.record({
  spec: specArb,
  user: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
  dontBatch: fc.boolean(),
});
const batchArb = fc.record({
  jobs: fc.array(jobArb, { minLength: 1, maxLength: 40 }),
  mode: fc.constantFrom('record', 'collections'),
});

type Job = typeof jobArb extends fc.Arbitrary<infer T> ? T : never;

function toInputs(jobs: Job[], mode: string): RouterInput[] {
  const dest = destination({ writeMode: mode });
  return jobs.map(({ spec, user, dontBatch }, i): RouterInput => {
    const metadata = { jobId: i + 1, userId: user, dontBatch: dontBatch && i % 5 === 0 };
    switch (spec.kind) {
      case 'lead': {
        const traits: Record<string, unknown> = { email: spec.upper ? spec.email.toUpperCase() : spec.email };
        if (spec.title !== undefined) traits.title = spec.title;
        return input(identify(traits), dest, metadata);
      }
      case 'external':
        return input(
          identify(
            { Name: `n${i}` },
            { context: { externalId: [{ type: 'Salesforce-Account', id: spec.id }] } },
          ),
          dest,
          metadata,
        );
      case 'track':
        return input({ type: 'track', integrations: { Salesforce: true } }, dest, metadata);
      case 'unsent':
        return input(
          identify({ email: 'x@acme.com' }, { integrations: { Salesforce: false } }),
          dest,
          metadata,
        );
    }
  });
}

interface Written {
  method: string;
  object: string;
  id?: string;
  fields: Record<string, unknown>;
}

/** Every record write an output makes, whatever the write mode. */
function writesOf(output: RouterOutput): Written[] {
  if (output.statusCode !== 200) return [];
  const requests = ([] as RequestDescriptor[]).concat((output as RouterSuccessOutput).batchedRequest);
  const out: Written[] = [];
  for (const request of requests) {
    const body = request.body.JSON as Record<string, unknown>;
    const collection = (method: string, records: Record<string, unknown>[]) => {
      for (const { attributes, id, ...fields } of records) {
        out.push({
          method,
          object: (attributes as { type: string }).type,
          id: id as string | undefined,
          fields,
        });
      }
    };
    if (request.endpoint.endsWith('/composite')) {
      for (const sub of body.compositeRequest as {
        method: string;
        body: { records: Record<string, unknown>[] };
      }[]) {
        collection(sub.method, sub.body.records);
      }
    } else if (request.endpoint.endsWith('/composite/sobjects')) {
      collection(request.method, body.records as Record<string, unknown>[]);
    } else {
      const match = /\/sobjects\/(\w+)(?:\/(\w+))?$/.exec(request.endpoint) as RegExpExecArray;
      out.push({ method: request.method, object: match[1], id: match[2], fields: body });
    }
  }
  return out;
}

describe('invariants of processRouterDest', () => {
  it('every job in exactly one element, in event order; no duplicate creates; latest values win', async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, async ({ jobs, mode }) => {
        const inputs = toInputs(jobs, mode);
        const client = new FakeClient(existing);
        const outputs = await createSalesforceDestination({ client }).processRouterDest(inputs);

        const seen = outputs.flatMap((o) => o.metadata.map((m) => m.jobId));
        expect(seen.slice().sort((a, b) => (a as number) - (b as number))).toEqual(
          inputs.map((i) => i.metadata?.jobId),
        );
        for (const o of outputs) {
          expect(o.metadata.length).toBeGreaterThan(0);
          const ids = o.metadata.map((m) => m.jobId as number);
          expect(ids).toEqual(ids.slice().sort((a, b) => a - b));
          if (o.statusCode === 200 && !Array.isArray((o as RouterSuccessOutput).batchedRequest)) {
            expect(typeof (o as RouterSuccessOutput).batchedRequest).toBe('object');
          }
        }
        expect(client.queries.length).toBeLessThanOrEqual(1);

        const writes = outputs.flatMap(writesOf);
        const createdEmails = writes
          .filter((w) => w.method === 'POST' && w.object === 'Lead')
          .map((w) => String(w.fields.Email).toLowerCase());
        expect(new Set(createdEmails).size).toBe(createdEmails.length);
        for (const email of createdEmails) expect(EXISTING.has(email)).toBe(false);

        for (const email of EMAILS) {
          const specs = jobs
            .map((j) => j.spec)
            .filter((s): s is Extract<Spec, { kind: 'lead' }> => s.kind === 'lead' && s.email === email);
          const titles = specs.map((s) => s.title).filter((t): t is string => t !== undefined && t !== '');
          const write = writes.find(
            (w) => w.object === 'Lead' && String(w.fields.Email).toLowerCase() === email,
          );
          if (!specs.length) expect(write).toBeUndefined();
          else if (titles.length) expect(write?.fields.Title).toBe(titles[titles.length - 1]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('at delivery through proxy v1, every job of an element gets exactly one status, and order holds per user', async () => {
    const outcomeArb = fc.constantFrom('ok', 'lock', 'invalid');
    await fc.assert(
      fc.asyncProperty(
        batchArb,
        fc.array(outcomeArb, { minLength: 1000, maxLength: 1000 }),
        async ({ jobs }, outcomes) => {
          const inputs = toInputs(jobs, 'collections');
          const sf = createSalesforceDestination({ client: new FakeClient(existing) });
          const outputs = await sf.processRouterDest(inputs);
          let k = 0;
          const result = (): unknown => {
            const o = outcomes[k++ % outcomes.length];
            if (o === 'ok') return { id: '00Q000000000099AAA', success: true, errors: [] };
            const code = o === 'lock' ? 'UNABLE_TO_LOCK_ROW' : 'INVALID_FIELD';
            return { success: false, errors: [{ statusCode: code, message: code, fields: [] }] };
          };
          for (const output of outputs.filter((o): o is RouterSuccessOutput => o.statusCode === 200)) {
            const metadata = sf.processMetadataForRouter(output);
            const request = output.batchedRequest as RequestDescriptor;
            const body = request.body.JSON as {
              compositeRequest?: { body: { records: unknown[] } }[];
              records?: unknown[];
            };
            const response = body.compositeRequest
              ? {
                  compositeResponse: body.compositeRequest.map((s) => ({
                    httpStatusCode: 200,
                    body: s.body.records.map(result),
                  })),
                }
              : body.records
                ? body.records.map(result)
                : { id: '00Q000000000099AAA', success: true, errors: [] };
            const delivered = createV1Handler(sf.runtime).responseHandler({
              destinationResponse: { status: 200, response },
              rudderJobMetadata: metadata.map((m: Metadata) => ({ ...m, userId: '' })),
              destType: 'salesforce',
            });
            expect(delivered.response.map((r) => r.metadata.jobId)).toEqual(
              output.metadata.map((m) => m.jobId),
            );
            for (const entry of delivered.response) {
              expect([200, 400, 500]).toContain(entry.statusCode);
              expect(typeof entry.error).toBe('string');
            }
            const retried = new Set<string>();
            delivered.response.forEach((entry, i) => {
              const user = String(output.metadata[i].userId);
              if (retried.has(user)) expect(entry.statusCode).not.toBe(200);
              if (entry.statusCode >= 500) retried.add(user);
            });
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
