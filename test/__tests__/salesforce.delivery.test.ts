/**
 * Delivery: the proxy v0 handler (one status per request) and the proxy v1 handler (one status per job).
 */
import { RetryableError, ThrottledError, AbortedError, TransformerError } from '../../src/framework/errors';
import type { Metadata } from '../../src/framework/types';
import { tokenCache } from '../../src/v0/destinations/salesforce/auth';
import { proxy, responseHandler as v0 } from '../../src/v0/destinations/salesforce/networkHandler';
import { quotaGuard } from '../../src/v0/destinations/salesforce/quota';
import nock from 'nock';
import { responseHandler as v1 } from '../../src/v1/destinations/salesforce/networkHandler';

const meta = (
  jobId: number,
  records?: { sub: number; rec: number }[],
  orderKey = `m:u${jobId}`,
): Metadata => ({
  jobId,
  userId: '',
  destinationId: 'dest-1',
  workspaceId: 'ws-1',
  destInfo: { authKey: 'dest-1', orderKey, ...(records ? { records } : {}) },
});

function v0Error(status: number, response: unknown, destType = 'salesforce'): TransformerError {
  try {
    v0({ destinationResponse: { status, response }, rudderJobMetadata: meta(1), destType });
  } catch (error) {
    return error as TransformerError;
  }
  throw new Error('expected the handler to throw');
}

describe('proxy v0 handler', () => {
  it.each([201, 204, 200])('treats %i as delivered', (status) => {
    const result = v0({
      destinationResponse: {
        status,
        response: status === 204 ? '' : { id: '00Q', success: true, errors: [] },
      },
      rudderJobMetadata: meta(1),
      destType: 'salesforce',
    });
    expect(result).toMatchObject({
      status: 200,
      message: 'Request for destination: salesforce Processed Successfully',
    });
  });

  it('retries an expired session of the password flow without a refresh category, and drops the cached token', async () => {
    await tokenCache.get('dest-1:abc', async () => ({
      flow: 'password',
      accessToken: 't',
      instanceUrl: 'https://x',
    }));
    expect(tokenCache.size).toBe(1);
    const error = v0Error(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(500);
    expect(error.authErrorCategory).toBe('');
    expect(tokenCache.size).toBe(0);
  });

  it('asks rudder-server to refresh an expired OAuth session', () => {
    const error = v0Error(
      401,
      [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }],
      'salesforce_oauth',
    );
    expect(error.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(error.message).toBe(
      'Salesforce Request Failed - due to "INVALID_SESSION_ID", (Retryable) during Salesforce Response Handling',
    );
  });

  it('drops a token we cached for the destination on an OAuth route too (an OAuth definition with its own credentials)', async () => {
    await tokenCache.get('dest-1:abc', async () => ({
      flow: 'password',
      accessToken: 't',
      instanceUrl: 'https://x',
    }));
    const error = v0Error(
      401,
      [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }],
      'salesforce_oauth',
    );
    expect(error.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(tokenCache.size).toBe(0);
  });

  it('throttles the API limit, retries a wrapped lock row, aborts a bad field', () => {
    expect(
      v0Error(403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }]),
    ).toBeInstanceOf(ThrottledError);
    const lock = v0Error(400, [
      {
        errorCode: 'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY',
        message: 'trigger: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record',
      },
    ]);
    expect(lock).toBeInstanceOf(RetryableError);
    const field = v0Error(400, [
      { errorCode: 'INVALID_FIELD', message: "No such column 'newProp__c' on sobject of type Lead" },
    ]);
    expect(field).toBeInstanceOf(AbortedError);
    expect(field.message).toContain("No such column 'newProp__c'");
  });

  it('never reports a collections answer with a failed record as delivered', () => {
    const error = v0Error(200, [
      { id: '00Q1', success: true, errors: [] },
      { success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked', fields: [] }] },
    ]);
    expect(error.status).toBe(500);
  });
});

describe('proxy v1 handler', () => {
  it('gives every job the whole-request failure, with a top-level refresh for OAuth', () => {
    const result = v1({
      destinationResponse: {
        status: 401,
        response: [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }],
      },
      rudderJobMetadata: [meta(1), meta(2)],
      destType: 'salesforce_oauth',
    });
    expect(result.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(result.response.map((r) => [r.metadata.jobId, r.statusCode])).toEqual([
      [1, 500],
      [2, 500],
    ]);
    expect(result.statTags).toEqual({ errorCategory: 'network', errorType: 'retryable' });
  });

  it('throttles every job when the org is out of API calls', () => {
    const result = v1({
      destinationResponse: {
        status: 403,
        response: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
      },
      rudderJobMetadata: [meta(1), meta(2)],
      destType: 'salesforce',
    });
    expect(result.authErrorCategory).toBeUndefined();
    expect(result.response.map((r) => r.statusCode)).toEqual([429, 429]);
  });

  it('reads each job its own record results from a Composite answer', () => {
    const response = {
      compositeResponse: [
        {
          httpStatusCode: 200,
          referenceId: 'records0',
          body: [
            { id: '00Q1', success: true, errors: [] },
            {
              success: false,
              errors: [{ statusCode: 'INVALID_FIELD', message: "No such column 'x__c'", fields: [] }],
            },
          ],
        },
        {
          httpStatusCode: 200,
          referenceId: 'records1',
          body: [
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
            { id: '00Q4', success: true, errors: [] },
          ],
        },
      ],
    };
    const result = v1({
      destinationResponse: { status: 200, response },
      rudderJobMetadata: [
        meta(1, [{ sub: 0, rec: 0 }]),
        meta(2, [{ sub: 0, rec: 1 }]),
        meta(3, [{ sub: 1, rec: 0 }], 'm:shared'),
        meta(4, [{ sub: 1, rec: 1 }], 'm:shared'),
        meta(5, [
          { sub: 0, rec: 0 },
          { sub: 1, rec: 1 },
        ]),
        meta(6, [{ sub: 1, rec: 7 }]),
      ],
      destType: 'salesforce',
    });
    expect(result.response.map((r) => [r.metadata.jobId, r.statusCode])).toEqual([
      [1, 200],
      [2, 400],
      [3, 500],
      [4, 500], // succeeded, but an earlier job of the same user must be retried: kept in order
      [5, 200],
      [6, 500], // no result for its record: retried alone
    ]);
    expect(result.response[1].error).toContain("No such column 'x__c'");
    expect(JSON.parse(result.response[0].error)).toEqual({ id: '00Q1', success: true, errors: [] });
    expect(result.response[3].error).toMatch(/Held back/);
    expect(result.response[5].metadata.dontBatch).toBe(true);
    expect(result.message).toMatch(/4 of 6 jobs failed|Processed with 4 of 6/);
  });

  it('reads a plain collections answer and a failed Composite subrequest', () => {
    const plain = v1({
      destinationResponse: { status: 200, response: [{ id: '00Q1', success: true, errors: [] }] },
      rudderJobMetadata: [meta(1, [{ sub: 0, rec: 0 }])],
      destType: 'salesforce',
    });
    expect(plain.response[0].statusCode).toBe(200);
    const failedSub = v1({
      destinationResponse: {
        status: 200,
        response: {
          compositeResponse: [
            {
              httpStatusCode: 400,
              body: [{ errorCode: 'INVALID_TYPE', message: 'sObject type Foo__c is not supported' }],
            },
          ],
        },
      },
      rudderJobMetadata: [meta(1, [{ sub: 0, rec: 0 }])],
      destType: 'salesforce',
    });
    expect(failedSub.response[0]).toMatchObject({
      statusCode: 400,
      error: expect.stringContaining('Foo__c'),
    });
  });

  it('gives every job of a single-record request its one status', () => {
    const result = v1({
      destinationResponse: { status: 204, response: '' },
      rudderJobMetadata: [meta(1), meta(2)],
      destType: 'salesforce',
    });
    expect(result.response.map((r) => r.statusCode)).toEqual([200, 200]);
  });
});

describe('proxy: the quota guard also holds deliveries back', () => {
  afterEach(() => quotaGuard.clear());
  const request = {
    type: 'REST',
    method: 'POST',
    endpoint: 'https://acme.my.salesforce.com/services/data/v62.0/sobjects/Lead',
    headers: { Authorization: 'Bearer t' },
    params: {},
    body: { JSON: { LastName: 'x' } },
    metadata: [meta(1)],
    destinationConfig: {},
  };

  it('answers 429 without calling Salesforce past the threshold, and v1 throttles every job', async () => {
    quotaGuard.record('dest-1', 9_700, 10_000);
    const response = await proxy(request);
    expect(response.status).toBe(429);
    expect(String(response.response)).toMatch(/quota guard: 9700 of 10000/);
    const result = v1({
      destinationResponse: response,
      rudderJobMetadata: request.metadata,
      destType: 'salesforce',
    });
    expect(result.response.map((r) => r.statusCode)).toEqual([429]);
  });

  it('sends when the configured threshold is higher than the usage', async () => {
    quotaGuard.record('dest-1', 9_700, 10_000);
    nock('https://acme.my.salesforce.com')
      .post('/services/data/v62.0/sobjects/Lead', { LastName: 'x' })
      .reply(201, { id: '00Q', success: true, errors: [] });
    const response = await proxy({ ...request, destinationConfig: { apiQuotaThreshold: 0.99 } });
    expect(response.status).toBe(201);
  });
});

describe('an unreadable answer to a collections request is never taken for success', () => {
  const garbled = { status: 200, response: '<html>proxy error</html>' };

  it('v1: every job with records is retried alone', () => {
    const result = v1({
      destinationResponse: garbled,
      rudderJobMetadata: [meta(1, [{ sub: 0, rec: 0 }]), meta(2, [{ sub: 0, rec: 1 }])],
      destType: 'salesforce',
    });
    expect(result.response.map((r) => [r.statusCode, r.metadata.dontBatch])).toEqual([
      [500, true],
      [500, true],
    ]);
  });

  it('v0: the request is retried', () => {
    const request = { endpoint: 'https://acme.my.salesforce.com/services/data/v62.0/composite/sobjects' };
    expect(() =>
      v0({
        destinationResponse: garbled,
        rudderJobMetadata: meta(1),
        destType: 'salesforce',
        destinationRequest: request,
      }),
    ).toThrow(RetryableError);
    const single = { endpoint: 'https://acme.my.salesforce.com/services/data/v62.0/sobjects/Lead/00Q1' };
    expect(
      v0({
        destinationResponse: { status: 204, response: '' },
        rudderJobMetadata: meta(1),
        destType: 'salesforce',
        destinationRequest: single,
      }).status,
    ).toBe(200);
  });
});

describe('dropped fields (unknownFieldPolicy drop) are reported with the delivery status', () => {
  const dropped = (jobId: number, records?: { sub: number; rec: number }[]) => ({
    ...meta(jobId, records),
    destInfo: {
      authKey: 'dest-1',
      orderKey: `m:u${jobId}`,
      droppedFields: ['Lead.newProp__c'],
      ...(records ? { records } : {}),
    },
  });

  it('v0: in the message', () => {
    const result = v0({
      destinationResponse: { status: 201, response: { id: '00Q1', success: true, errors: [] } },
      rudderJobMetadata: dropped(1),
      destType: 'salesforce',
    });
    expect(result.message).toBe(
      'Request for destination: salesforce Processed Successfully (fields dropped, not in the org: Lead.newProp__c)',
    );
  });

  it('v1: in the job entry, single-record and collections alike', () => {
    const single = v1({
      destinationResponse: { status: 204, response: '' },
      rudderJobMetadata: [dropped(1)],
      destType: 'salesforce',
    });
    expect(single.response[0].error).toContain('fields dropped, not in the org: Lead.newProp__c');
    const collection = v1({
      destinationResponse: { status: 200, response: [{ id: '00Q1', success: true, errors: [] }] },
      rudderJobMetadata: [dropped(1, [{ sub: 0, rec: 0 }])],
      destType: 'salesforce',
    });
    expect(collection.response[0]).toMatchObject({
      statusCode: 200,
      error: expect.stringContaining('Lead.newProp__c'),
    });
  });
});
