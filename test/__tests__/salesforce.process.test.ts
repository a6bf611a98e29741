/**
 * The single-event path, case by case (test/__tests__/data/processorCases.ts): explicit assertions on the requests
 * or on the error's status and classification, plus a snapshot of each case's normalised output.
 */
import { toErrorObject } from '../../src/framework/errors';
import { createSalesforceDestination } from '../../src/v0/destinations/salesforce/transform';
import { processorCases } from './data/processorCases';
import { destination as defaultDestination, INSTANCE, normalise, SECRETS } from '../__mocks__/salesforce';

describe('process(event): named cases', () => {
  it.each(processorCases.map((c) => [c.id, c] as const))('%s', async (_id, testCase) => {
    // Each case has its own runtime (token, describe and quota state) and an environment without client settings.
    const sf = createSalesforceDestination({ env: {} });
    testCase.before?.(sf.runtime);
    testCase.mocks?.();
    const event = {
      message: testCase.message,
      destination: testCase.destination ?? defaultDestination(),
      metadata: { jobId: 1, destinationId: 'dest-1', workspaceId: 'ws-1', ...testCase.metadata },
    };
    const result = await sf.process(event).then(
      (requests) => ({ requests }),
      (error: unknown) => ({ error }),
    );

    if ('requests' in testCase.expected) {
      if (!('requests' in result))
        throw new Error(`expected requests, got ${String((result.error as Error).message)}`);
      expect(result.requests).toHaveLength(testCase.expected.requests.length);
      testCase.expected.requests.forEach((want, i) => {
        const got = result.requests[i];
        const base = `${want.instance ?? INSTANCE}/services/data/v${want.version ?? '62.0'}`;
        expect(got.method).toBe(want.method);
        expect(got.endpoint).toBe(`${base}${want.path}`);
        expect(got.headers.Authorization).toMatch(/^Bearer \S+$/);
        const body = got.body.JSON as Record<string, unknown>;
        if (want.body) expect(body).toEqual(expect.objectContaining(want.body));
        for (const key of want.absent ?? []) expect(body).not.toHaveProperty(key);
        // An update never carries a placeholder (W14).
        if (got.method === 'PATCH') expect(Object.values(body)).not.toContain('n/a');
      });
      expect(normalise(result.requests)).toMatchSnapshot();
    } else {
      if (!('error' in result)) throw new Error(`expected an error, got ${JSON.stringify(result.requests)}`);
      const want = testCase.expected.error;
      const obj = toErrorObject(result.error, {}, false);
      expect(obj.status).toBe(want.status);
      expect(obj.statTags).toEqual(want.statTags);
      if (typeof want.message === 'string') expect(obj.message).toBe(want.message);
      else expect(obj.message).toMatch(want.message);
      expect(obj.authErrorCategory).toBe(want.authErrorCategory ?? '');
      for (const secret of Object.values(SECRETS))
        expect(JSON.stringify(toErrorObject(result.error))).not.toContain(secret);
      expect({ status: obj.status, message: obj.message }).toMatchSnapshot();
    }
  });
});
