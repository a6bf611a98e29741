/**
 * Delivery: the proxy v0 handler (one status per request) and the proxy v1 handler (one status per job).
 */
import nock from 'nock';
import { AbortedError, BaseError, RetryableError, ThrottledError } from '../../src/framework/errors';
import type { Metadata, ResponseHandlerInput } from '../../src/framework/types';
import {
  createRuntime,
  createV0Handler,
  createV1Handler,
  type SalesforceRuntime,
} from '../../src/v0/destinations/salesforce/index';

/** Each test has its own runtime: token cache, quota guard. */
let runtime: SalesforceRuntime;
beforeEach(() => {
  runtime = createRuntime({ env: {} });
});
const v0 = (input: ResponseHandlerInput) => createV0Handler(runtime).responseHandler(input);
const v1 = (input: ResponseHandlerInput) => createV1Handler(runtime).responseHandler(input);
const proxy = (request: Parameters<ReturnType<typeof createV0Handler>['proxy']>[0]) =>
  createV0Handler(runtime).proxy(request);
/** A cached token of ours for dest-1, as a login would leave it. */
const cacheOurToken = () =>
  runtime.tokens.get('dest-1:abc', async () => ({
    flow: 'password',
    accessToken: 't',
    instanceUrl: 'https://x',
  }));
const HOST_SECRET = { access_token: 'host-token', instance_url: 'https://acme.my.salesforce.com' };

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

/** The error a handler throws for a whole-request failure. */
function thrownFor(handler: typeof v0 | typeof v1, input: ResponseHandlerInput): BaseError {
  try {
    handler(input);
  } catch (error) {
    return error as BaseError;
  }
  throw new Error('expected the handler to throw');
}

function v0Error(
  status: number,
  response: unknown,
  destType = 'salesforce',
  metadata: Metadata = meta(1),
): BaseError {
  return thrownFor(v0, { destinationResponse: { status, response }, rudderJobMetadata: metadata, destType });
}

const EXPIRED = [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }];

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
    await cacheOurToken();
    expect(runtime.tokens.size).toBe(1);
    const error = v0Error(401, EXPIRED);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(500);
    expect(error.authErrorCategory).toBe('');
    expect(runtime.tokens.size).toBe(0);
  });

  it('asks rudder-server to refresh an expired OAuth session', () => {
    const error = v0Error(401, EXPIRED, 'salesforce_oauth', { ...meta(1), secret: HOST_SECRET });
    expect(error.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(error.message).toBe(
      'Salesforce Request Failed - due to "INVALID_SESSION_ID", (Retryable) during Salesforce Response Handling',
    );
  });

  it('on an OAuth route, a job without the host secret was signed in by us: our token is dropped, no refresh is asked', async () => {
    // A refresh asked of rudder-server for an account we do not use could fail and abort the jobs (rudder-server.md 2.6).
    await cacheOurToken();
    const error = v0Error(401, EXPIRED, 'salesforce_oauth');
    expect(error.status).toBe(500);
    expect(error.authErrorCategory).toBe('');
    expect(runtime.tokens.size).toBe(0);
  });

  it('SALESFORCE_OAUTH_SANDBOX always uses the host token: an expired one asks for a refresh', () => {
    expect(v0Error(401, EXPIRED, 'salesforce_oauth_sandbox').authErrorCategory).toBe('REFRESH_TOKEN');
  });

  it('an empty secret ({}) is no secret: on the plain route the session is ours (no refresh category)', () => {
    // rudder-server sends `secret: {}` for destinations without an OAuth account (its own proxy test data does).
    const error = v0Error(401, EXPIRED, 'salesforce', { ...meta(1), secret: {} });
    expect(error.status).toBe(500);
    expect(error.authErrorCategory).toBe('');
  });

  it('a 401 other than INVALID_SESSION_ID aborts our own session (400), and asks the host to refresh its token', () => {
    const header = [{ errorCode: 'INVALID_AUTH_HEADER', message: 'INVALID_HEADER_TYPE' }];
    const ours = v0Error(401, header);
    expect(ours).toBeInstanceOf(AbortedError);
    expect(ours.status).toBe(400);
    expect(ours.message).toBe(
      'Salesforce Request Failed: "401" due to "INVALID_HEADER_TYPE", (Aborted) during Salesforce Response Handling',
    );
    const host = v0Error(401, header, 'salesforce_oauth', { ...meta(1), secret: HOST_SECRET });
    expect(host.status).toBe(500);
    expect(host.authErrorCategory).toBe('REFRESH_TOKEN');
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
  it('throws a whole-request failure (the host gives every job its status and tags), with a refresh for OAuth', () => {
    const error = thrownFor(v1, {
      destinationResponse: { status: 401, response: EXPIRED },
      rudderJobMetadata: [
        { ...meta(1), secret: HOST_SECRET },
        { ...meta(2), secret: HOST_SECRET },
      ],
      destType: 'salesforce_oauth',
    });
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(500);
    expect(error.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(error.statTags).toEqual({ errorCategory: 'network', errorType: 'retryable' });
    expect(error.destinationResponse).toEqual({ status: 401, response: EXPIRED });
  });

  it('throttles the whole request when the org is out of API calls', () => {
    const error = thrownFor(v1, {
      destinationResponse: {
        status: 403,
        response: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
      },
      rudderJobMetadata: [meta(1), meta(2)],
      destType: 'salesforce',
    });
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.status).toBe(429);
    expect(error.authErrorCategory).toBe('');
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
    // A failed job's entry carries its stat tags, enriched as rudder-transformer's delivery errors are.
    const host = {
      destType: 'SALESFORCE',
      module: 'destination',
      implementation: 'native',
      feature: 'dataDelivery',
    };
    expect(result.response[1].statTags).toEqual({
      errorCategory: 'network',
      errorType: 'aborted',
      ...host,
      destinationId: 'dest-1',
      workspaceId: 'ws-1',
    });
    expect(result.response[2].statTags).toMatchObject({ errorType: 'retryable', ...host });
    expect(result.response[0].statTags).toBeUndefined();
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

  it('answers 429 without calling Salesforce past the threshold, and v1 throttles the request', async () => {
    runtime.quota.record('dest-1', 9_700, 10_000);
    const response = await proxy(request);
    expect(response.status).toBe(429);
    expect(String(response.response)).toMatch(/quota guard: 9700 of 10000/);
    const error = thrownFor(v1, {
      destinationResponse: response,
      rudderJobMetadata: request.metadata,
      destType: 'salesforce',
    });
    expect(error.status).toBe(429);
  });

  it('sends when the configured threshold is higher than the usage', async () => {
    runtime.quota.record('dest-1', 9_700, 10_000);
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

describe('a refusal one record can cause, of a request carrying several jobs, is retried job by job', () => {
  const refusal = [
    { errorCode: 'JSON_PARSER_ERROR', message: 'Cannot deserialize instance of string from START_OBJECT' },
  ];

  it('a whole collections request refused with 400: every job 500 with dontBatch, none aborted', () => {
    const result = v1({
      destinationResponse: { status: 400, response: refusal },
      rudderJobMetadata: [meta(1, [{ sub: 0, rec: 0 }]), meta(2, [{ sub: 0, rec: 1 }])],
      destType: 'salesforce',
    });
    expect(result.response.map((r) => [r.metadata.jobId, r.statusCode, r.metadata.dontBatch])).toEqual([
      [1, 500, true],
      [2, 500, true],
    ]);
    expect(result.response[0].statTags).toMatchObject({ errorType: 'retryable', feature: 'dataDelivery' });
  });

  it('the same refusal of a request for one job aborts it (it is the one at fault)', () => {
    const error = thrownFor(v1, {
      destinationResponse: { status: 400, response: refusal },
      rudderJobMetadata: [meta(1, [{ sub: 0, rec: 0 }])],
      destType: 'salesforce',
    });
    expect(error).toBeInstanceOf(AbortedError);
  });

  it('a Composite subrequest refused whole: its jobs are retried alone, the other subrequest is read as usual', () => {
    const result = v1({
      destinationResponse: {
        status: 200,
        response: {
          compositeResponse: [
            { httpStatusCode: 400, body: refusal },
            { httpStatusCode: 200, body: [{ id: '00Q3', success: true, errors: [] }] },
          ],
        },
      },
      rudderJobMetadata: [
        meta(1, [{ sub: 0, rec: 0 }]),
        meta(2, [{ sub: 0, rec: 1 }]),
        meta(3, [{ sub: 1, rec: 0 }]),
      ],
      destType: 'salesforce',
    });
    expect(result.response.map((r) => [r.metadata.jobId, r.statusCode, r.metadata.dontBatch])).toEqual([
      [1, 500, true],
      [2, 500, true],
      [3, 200, undefined],
    ]);
  });
});
