/**
 * The Salesforce response classifier (src/v0/destinations/salesforce/errorHandler.ts) as a data table: every rule of
 * RULES has at least one case, plus the reference's rows (spec rudder-contract.md B.8) and its weaknesses W7, W8, W9
 * asserted fixed.
 */
import {
  AbortedError,
  BaseError,
  RetryableError,
  ThrottledError,
  type DestinationResponse,
} from '../../../src/framework/errors';
import {
  classify,
  classifyRecordErrors,
  extractErrors,
  RULES,
  toContractError,
  type Classification,
  type ClassifyOptions,
  type Outcome,
} from '../../../src/v0/destinations/salesforce/errorHandler';

const sfError = (errorCode: string, message: string, fields?: string[]) => [
  fields ? { message, errorCode, fields } : { message, errorCode },
];

interface Case {
  name: string;
  status: number;
  body: unknown;
  outcome: Outcome;
  httpStatus: number;
  rule: string;
  /** Substrings the message must contain. */
  parts: string[];
  errorCode?: string;
  options?: ClassifyOptions;
}

const CASES: Case[] = [
  {
    name: '401 INVALID_SESSION_ID → refresh',
    status: 401,
    body: sfError('INVALID_SESSION_ID', 'Session expired or invalid'),
    outcome: 'refresh',
    httpStatus: 500,
    rule: 'session-expired',
    parts: ['Salesforce Request Failed - due to "INVALID_SESSION_ID", (Retryable)'],
    errorCode: 'INVALID_SESSION_ID',
  },
  {
    name: '401 without INVALID_SESSION_ID, on our own session → aborted (reference row 7)',
    status: 401,
    body: sfError('INVALID_AUTH_HEADER', 'INVALID_HEADER_TYPE'),
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['Salesforce Request Failed: "401" due to "INVALID_HEADER_TYPE", (Aborted)'],
    errorCode: 'INVALID_AUTH_HEADER',
  },
  {
    name: '401 with a string body, on our own session → aborted',
    status: 401,
    body: 'Unauthorized',
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['"401" due to "Unauthorized", (Aborted)'],
  },
  {
    name: '401 of any kind on the host token → refresh (the host may fix it by refreshing)',
    status: 401,
    body: sfError('INVALID_AUTH_HEADER', 'INVALID_HEADER_TYPE'),
    outcome: 'refresh',
    httpStatus: 500,
    rule: 'session-expired',
    parts: ['Salesforce Request Failed - due to "INVALID_AUTH_HEADER", (Retryable)'],
    errorCode: 'INVALID_AUTH_HEADER',
    options: { hostToken: true },
  },
  {
    name: "503 with one SERVER_UNAVAILABLE object (not an array) → throttled, by the array form's rule",
    status: 503,
    body: { errorCode: 'SERVER_UNAVAILABLE', message: 'Server down for maintenance' },
    outcome: 'throttled',
    httpStatus: 429,
    rule: 'server-unavailable',
    parts: ['Salesforce Request Failed: 503 - due to Server down for maintenance,'],
    errorCode: 'SERVER_UNAVAILABLE',
  },
  {
    name: '403 REQUEST_LIMIT_EXCEEDED → throttled',
    status: 403,
    body: sfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
    outcome: 'throttled',
    httpStatus: 429,
    rule: 'api-limit',
    parts: ['Salesforce Request Failed - due to "REQUEST_LIMIT_EXCEEDED", (Throttled)'],
    errorCode: 'REQUEST_LIMIT_EXCEEDED',
  },
  {
    name: '500 SERVER_UNAVAILABLE → throttled',
    status: 500,
    body: sfError('SERVER_UNAVAILABLE', 'Server temporarily unavailable'),
    outcome: 'throttled',
    httpStatus: 429,
    rule: 'server-unavailable',
    parts: ['Salesforce Request Failed: 500 - due to Server temporarily unavailable,'],
    errorCode: 'SERVER_UNAVAILABLE',
  },
  {
    name: '503 SERVER_UNAVAILABLE → throttled',
    status: 503,
    body: sfError('SERVER_UNAVAILABLE', 'Server down for maintenance'),
    outcome: 'throttled',
    httpStatus: 429,
    rule: 'server-unavailable',
    parts: ['Salesforce Request Failed: 503 - due to Server down for maintenance,'],
    errorCode: 'SERVER_UNAVAILABLE',
  },
  {
    name: '400 CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY wrapping UNABLE_TO_LOCK_ROW → retryable (W7 fixed)',
    status: 400,
    body: sfError(
      'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY',
      'LeadTrigger: execution of AfterUpdate caused by: System.DmlException: Update failed. First exception on row 0; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []',
    ),
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'transient-code',
    parts: [
      'Salesforce Request Failed - "LeadTrigger: execution of AfterUpdate',
      'UNABLE_TO_LOCK_ROW',
      '(Retryable)',
    ],
    errorCode: 'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY',
  },
  {
    name: '400 UNABLE_TO_LOCK_ROW → retryable',
    status: 400,
    body: sfError(
      'UNABLE_TO_LOCK_ROW',
      'unable to obtain exclusive access to this record or 1 records: 00Q1',
    ),
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'transient-code',
    parts: ['"unable to obtain exclusive access to this record or 1 records: 00Q1", (Retryable)'],
    errorCode: 'UNABLE_TO_LOCK_ROW',
  },
  {
    name: '400 "Too many SOQL queries" inside a trigger failure → retryable',
    status: 400,
    body: sfError(
      'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY',
      'LeadTrigger: System.LimitException: Too many SOQL queries: 101',
    ),
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'transient-code',
    parts: ['Too many SOQL queries: 101', '(Retryable)'],
  },
  {
    name: '400 TOO_MANY_APEX_REQUESTS → retryable',
    status: 400,
    body: sfError('TOO_MANY_APEX_REQUESTS', 'Too many concurrent Apex requests'),
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'transient-code',
    parts: ['Too many concurrent Apex requests', '(Retryable)'],
  },
  {
    name: '400 QUERY_TIMEOUT → retryable',
    status: 400,
    body: sfError('QUERY_TIMEOUT', 'Your query request was running for too long.'),
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'transient-code',
    parts: ['Your query request was running for too long.', '(Retryable)'],
  },
  {
    name: '503 INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE → retryable',
    status: 503,
    body: sfError('INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE', 'Read-only maintenance'),
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'transient-code',
    parts: ['Read-only maintenance', '(Retryable)'],
  },
  {
    name: 'API_CURRENTLY_DISABLED → retryable',
    status: 403,
    body: sfError('API_CURRENTLY_DISABLED', 'API is currently disabled'),
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'transient-code',
    parts: ['API is currently disabled'],
  },
  {
    name: 'plain 429 → throttled (W9 fixed)',
    status: 429,
    body: 'Too Many Requests',
    outcome: 'throttled',
    httpStatus: 429,
    rule: 'too-many-requests',
    parts: ['Salesforce Request Failed: 429 - due to "Too Many Requests", (Throttled)'],
  },
  {
    name: '500 → retryable',
    status: 500,
    body: sfError('UNKNOWN_EXCEPTION', 'An unexpected error occurred'),
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'server-error',
    parts: ['Salesforce Request Failed: 500 - due to "An unexpected error occurred", (Retryable)'],
    errorCode: 'UNKNOWN_EXCEPTION',
  },
  {
    name: '502 → retryable (W9 fixed)',
    status: 502,
    body: '<html><body>Bad Gateway</body></html>',
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'server-error',
    parts: ['Salesforce Request Failed: 502 - due to "<html><body>Bad Gateway</body></html>", (Retryable)'],
  },
  {
    name: '504 → retryable (W9 fixed)',
    status: 504,
    body: 'Gateway Timeout',
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'server-error',
    parts: ['Salesforce Request Failed: 504 - due to "Gateway Timeout", (Retryable)'],
  },
  {
    name: '503 without SERVER_UNAVAILABLE → retryable',
    status: 503,
    body: { message: 'down for maintenance' },
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'server-error',
    parts: ['503 - due to "down for maintenance", (Retryable)'],
  },
  {
    name: '408 → retryable',
    status: 408,
    body: 'Request Timeout',
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'server-error',
    parts: ['Salesforce Request Failed: 408 - due to "Request Timeout", (Retryable)'],
  },
  {
    name: 'a string body from a reset socket (500) → retryable',
    status: 500,
    body: '[ECONNRESET] :: socket hang up',
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'server-error',
    parts: ['Salesforce Request Failed: 500 - due to "[ECONNRESET] :: socket hang up", (Retryable)'],
  },
  {
    name: '1xx → retryable, not success (W9 fixed)',
    status: 100,
    body: '',
    outcome: 'retryable',
    httpStatus: 500,
    rule: 'server-error',
    parts: ['Salesforce Request Failed: 100'],
  },
  {
    name: '400 INVALID_FIELD → aborted',
    status: 400,
    body: sfError('INVALID_FIELD', "No such column 'newProp__c' on sobject of type Lead", ['newProp__c']),
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: [
      `Salesforce Request Failed: "400" due to "No such column 'newProp__c' on sobject of type Lead", (Aborted)`,
    ],
    errorCode: 'INVALID_FIELD',
  },
  {
    name: '400 MALFORMED_ID → aborted',
    status: 400,
    body: sfError('MALFORMED_ID', 'Lead ID: id value of incorrect type: 123'),
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['"400" due to "Lead ID: id value of incorrect type: 123", (Aborted)'],
  },
  {
    name: '400 REQUIRED_FIELD_MISSING → aborted',
    status: 400,
    body: sfError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]', ['LastName']),
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['Required fields are missing: [LastName]', '(Aborted)'],
  },
  {
    name: '400 INVALID_EMAIL_ADDRESS → aborted',
    status: 400,
    body: sfError('INVALID_EMAIL_ADDRESS', 'Email: invalid email address: not-an-email', ['Email']),
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['invalid email address: not-an-email', '(Aborted)'],
  },
  {
    name: '400 DUPLICATE_VALUE → aborted',
    status: 400,
    body: sfError(
      'DUPLICATE_VALUE',
      'duplicate value found: External_Id__c duplicates value on record with id: 001',
    ),
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['duplicate value found', '(Aborted)'],
  },
  {
    name: '404 NOT_FOUND → aborted',
    status: 404,
    body: sfError('NOT_FOUND', 'The requested resource does not exist'),
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['Salesforce Request Failed: "404" due to "The requested resource does not exist", (Aborted)'],
  },
  {
    name: '403 INSUFFICIENT_ACCESS → aborted',
    status: 403,
    body: sfError('INSUFFICIENT_ACCESS', 'insufficient access rights on object id'),
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['"403" due to "insufficient access rights on object id", (Aborted)'],
  },
  {
    name: '300 (several external id matches) → aborted, not success',
    status: 300,
    body: ['/services/data/v62.0/sobjects/Account/001A', '/services/data/v62.0/sobjects/Account/001B'],
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['Salesforce Request Failed: "300" due to', '001A', '(Aborted)'],
  },
  {
    name: 'an empty array body with 400 → aborted, no throw (W8 fixed)',
    status: 400,
    body: [],
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['Salesforce Request Failed: "400" due to "[]", (Aborted)'],
  },
  {
    name: 'the OAuth token error body → aborted with its description',
    status: 400,
    body: { error: 'invalid_grant', error_description: 'authentication failure' },
    outcome: 'aborted',
    httpStatus: 400,
    rule: 'rejected',
    parts: ['Salesforce Request Failed: "400" due to "authentication failure", (Aborted)'],
    errorCode: 'invalid_grant',
  },
];

describe('classify: the rule table', () => {
  it.each(CASES)('$name', ({ status, body, outcome, httpStatus, rule, parts, errorCode, options }) => {
    const c = classify(status, body, '', options);
    expect(c.outcome).toBe(outcome);
    expect(c.status).toBe(httpStatus);
    expect(c.rule).toBe(rule);
    for (const part of parts) expect(c.message).toContain(part);
    if (errorCode !== undefined) expect(c.errorCode).toBe(errorCode);
  });

  it('has at least one case for every rule of RULES', () => {
    const covered = new Set(CASES.map((c) => c.rule));
    for (const r of RULES) expect(covered).toContain(r.name);
  });

  it('ends with a catch-all rule so every answer is classified', () => {
    const last = RULES[RULES.length - 1];
    expect(last.matches(418, [], 'I am a teapot', { hostToken: false })).toBe(true);
    expect(last.outcome).toBe('aborted');
  });

  it.each([200, 201, 204, 299])('%i → success', (status) => {
    const c = classify(status, { id: '00Q1', success: true, errors: [] });
    expect(c).toEqual({
      outcome: 'success',
      status: 200,
      rule: 'success',
      message: 'Request for Salesforce processed successfully',
    });
  });

  it('appends the call-site suffix after one space', () => {
    const c = classify(403, sfError('REQUEST_LIMIT_EXCEEDED', 'x'), ':- during Lead Query');
    expect(c.message).toBe(
      'Salesforce Request Failed - due to "REQUEST_LIMIT_EXCEEDED", (Throttled) :- during Lead Query',
    );
  });

  it('joins the messages of several errors', () => {
    const c = classify(400, [
      { errorCode: 'INVALID_FIELD', message: 'first problem' },
      { errorCode: 'STRING_TOO_LONG', message: 'second problem' },
    ]);
    expect(c.message).toBe(
      'Salesforce Request Failed: "400" due to "first problem; second problem", (Aborted)',
    );
    expect(c.errorCode).toBe('INVALID_FIELD');
  });

  it('falls back to the JSON body when no error has a message', () => {
    const c = classify(400, { unexpected: true });
    expect(c.outcome).toBe('aborted');
    expect(c.message).toContain('"{"unexpected":true}"');
  });

  it('does not read the SOQL text of a successful lookup as a lock-row failure', () => {
    // A 2xx is success whatever its text says.
    expect(classify(200, [{ message: 'UNABLE_TO_LOCK_ROW' }]).outcome).toBe('success');
  });

  it('lets the rate-limit code win over a transient code in the same answer', () => {
    const c = classify(403, [
      { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'limit' },
      { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'lock' },
    ]);
    expect(c.rule).toBe('api-limit');
    expect(c.status).toBe(429);
  });
});

describe('classifyRecordErrors: a collections item', () => {
  it('retries an item that failed on a row lock', () => {
    const c = classifyRecordErrors([
      { statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access', fields: [] },
    ]);
    expect(c).toMatchObject({
      outcome: 'retryable',
      status: 500,
      rule: 'transient-code',
      errorCode: 'UNABLE_TO_LOCK_ROW',
    });
    expect(c.message).toContain('unable to obtain exclusive access');
  });

  it('aborts an item with an invalid field and keeps the suffix', () => {
    const c = classifyRecordErrors(
      [{ statusCode: 'INVALID_FIELD', message: "No such column 'x__c'", fields: ['x__c'] }],
      'during Salesforce Response Handling',
    );
    expect(c).toMatchObject({
      outcome: 'aborted',
      status: 400,
      rule: 'rejected',
      errorCode: 'INVALID_FIELD',
    });
    expect(c.message).toBe(
      `Salesforce Request Failed: "400" due to "No such column 'x__c'", (Aborted) during Salesforce Response Handling`,
    );
  });

  it('throttles an item that hit the API limit', () => {
    expect(classifyRecordErrors([{ statusCode: 'REQUEST_LIMIT_EXCEEDED', message: 'limit' }]).status).toBe(
      429,
    );
  });

  it('aborts an item without errors instead of throwing', () => {
    expect(classifyRecordErrors([]).outcome).toBe('aborted');
    expect(classifyRecordErrors(undefined).outcome).toBe('aborted');
  });
});

describe('toContractError', () => {
  const response: DestinationResponse = {
    status: 401,
    response: sfError('INVALID_SESSION_ID', 'Session expired'),
  };
  const of = (status: number, body: unknown): Classification => classify(status, body, ':- suffix');

  it('refresh with host OAuth → RetryableError 500 with REFRESH_TOKEN', () => {
    const error = toContractError(of(401, response.response), response, 'host');
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(500);
    expect(error.statTags).toEqual({ errorCategory: 'network', errorType: 'retryable' });
    expect(error.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(error.destinationResponse).toBe(response);
    expect(error.message).toBe(
      'Salesforce Request Failed - due to "INVALID_SESSION_ID", (Retryable) :- suffix',
    );
  });

  it('refresh with our own password session → RetryableError 500 without an auth category', () => {
    const error = toContractError(of(401, response.response), response, 'us');
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(500);
    expect(error.authErrorCategory).toBe('');
  });

  it.each([
    ['retryable', 502, 'Bad Gateway', RetryableError, 500, 'retryable'],
    ['throttled', 403, sfError('REQUEST_LIMIT_EXCEEDED', 'limit'), ThrottledError, 429, 'throttled'],
    ['aborted', 400, sfError('INVALID_FIELD', 'bad field'), AbortedError, 400, 'aborted'],
  ] as const)('%s → its class, status and stat tags', (_name, status, body, cls, httpStatus, errorType) => {
    const destinationResponse: DestinationResponse = { status, response: body };
    for (const owner of ['host', 'us'] as const) {
      const error = toContractError(of(status, body), destinationResponse, owner);
      expect(error).toBeInstanceOf(cls);
      expect(error).toBeInstanceOf(BaseError);
      expect(error.status).toBe(httpStatus);
      expect(error.statTags).toEqual({ errorCategory: 'network', errorType });
      expect(error.authErrorCategory).toBe('');
      expect(error.destinationResponse).toBe(destinationResponse);
    }
  });

  it('keeps a string destination response as it is', () => {
    const error = toContractError(
      of(500, '[ECONNRESET] :: socket hang up'),
      '[ECONNRESET] :: socket hang up',
      'us',
    );
    expect(error.destinationResponse).toBe('[ECONNRESET] :: socket hang up');
  });
});

describe('extractErrors', () => {
  it.each<[string, unknown, ReturnType<typeof extractErrors>]>([
    [
      'the REST error array',
      [{ message: 'bad', errorCode: 'INVALID_FIELD', fields: ['A', 'B'] }],
      [{ errorCode: 'INVALID_FIELD', message: 'bad', fields: ['A', 'B'] }],
    ],
    [
      'a collections item errors array (statusCode)',
      [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'lock', fields: [] }],
      [{ errorCode: 'UNABLE_TO_LOCK_ROW', message: 'lock', fields: [] }],
    ],
    [
      'the OAuth error object',
      { error: 'invalid_grant', error_description: 'authentication failure' },
      [{ errorCode: 'invalid_grant', message: 'authentication failure' }],
    ],
    [
      'one error object',
      { errorCode: 'NOT_FOUND', message: 'gone' },
      [{ errorCode: 'NOT_FOUND', message: 'gone' }],
    ],
    ['a string', 'socket hang up', [{ errorCode: '', message: 'socket hang up' }]],
    ['an empty string', '', []],
    ['an empty array', [], []],
    ['null', null, []],
    ['undefined', undefined, []],
    ['a number', 42, []],
    [
      'several errors, non-string fields dropped',
      [
        { errorCode: 'A', message: 'one', fields: ['x', 3] },
        { errorCode: 'B', message: 'two' },
      ],
      [
        { errorCode: 'A', message: 'one', fields: ['x'] },
        { errorCode: 'B', message: 'two' },
      ],
    ],
    [
      'a non-string message is serialised',
      [{ errorCode: 'X', message: { nested: true } }],
      [{ errorCode: 'X', message: '{"nested":true}' }],
    ],
  ])('%s', (_name, body, expected) => {
    expect(extractErrors(body)).toEqual(expected);
  });
});
