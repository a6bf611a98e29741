/**
 * The contract error classes (spec rudder-contract.md A.3.1, A.3.2) and `toErrorObject` (A.3.4).
 */
import {
  AbortedError,
  ConfigurationAuthError,
  ConfigurationError,
  FilteredEventsError,
  InstrumentationError,
  InvalidAuthTokenError,
  isTransformerError,
  NetworkInstrumentationError,
  OAuthSecretError,
  PlatformError,
  RetryableError,
  ThrottledError,
  toErrorObject,
  TransformationError,
  TransformerError,
  UnauthorizedError,
  UnhandledStatusCodeError,
  UnsupportedEventError,
  type ErrorOptions,
  type StatTags,
} from '../../../src/framework/errors';

type SubclassCtor = new (message: string, options?: Omit<ErrorOptions, 'statTags'>) => TransformerError;

interface ClassCase {
  cls: SubclassCtor;
  name: string;
  status: number;
  statTags: StatTags;
  /** The status used when the caller passes `status: 503` (equal to `status` when the class fixes it). */
  statusWhenGiven503: number;
}

const CLASSES: ClassCase[] = [
  {
    cls: InstrumentationError,
    name: 'InstrumentationError',
    status: 400,
    statTags: { errorCategory: 'dataValidation', errorType: 'instrumentation' },
    statusWhenGiven503: 400,
  },
  {
    cls: ConfigurationError,
    name: 'ConfigurationError',
    status: 400,
    statTags: { errorCategory: 'dataValidation', errorType: 'configuration' },
    statusWhenGiven503: 400,
  },
  {
    cls: ConfigurationAuthError,
    name: 'ConfigurationAuthError',
    status: 400,
    statTags: { errorCategory: 'dataValidation', errorType: 'configuration', meta: 'accessTokenExpired' },
    statusWhenGiven503: 400,
  },
  {
    cls: TransformationError,
    name: 'TransformationError',
    status: 500,
    statTags: { errorCategory: 'transformation' },
    statusWhenGiven503: 503,
  },
  {
    cls: PlatformError,
    name: 'PlatformError',
    status: 400,
    statTags: { errorCategory: 'platform' },
    statusWhenGiven503: 503,
  },
  {
    cls: UnsupportedEventError,
    name: 'UnsupportedEventError',
    status: 400,
    statTags: { errorCategory: 'platform', errorType: 'unsupported' },
    statusWhenGiven503: 400,
  },
  {
    cls: OAuthSecretError,
    name: 'OAuthSecretError',
    status: 500,
    statTags: { errorCategory: 'platform', errorType: 'oAuthSecret' },
    statusWhenGiven503: 500,
  },
  {
    cls: RetryableError,
    name: 'RetryableError',
    status: 500,
    statTags: { errorCategory: 'network', errorType: 'retryable' },
    statusWhenGiven503: 503,
  },
  {
    cls: ThrottledError,
    name: 'ThrottledError',
    status: 429,
    statTags: { errorCategory: 'network', errorType: 'throttled' },
    statusWhenGiven503: 429,
  },
  {
    cls: AbortedError,
    name: 'AbortedError',
    status: 400,
    statTags: { errorCategory: 'network', errorType: 'aborted' },
    statusWhenGiven503: 503,
  },
  {
    cls: NetworkInstrumentationError,
    name: 'NetworkInstrumentationError',
    status: 400,
    statTags: { errorCategory: 'network', errorType: 'aborted', meta: 'instrumentation' },
    statusWhenGiven503: 400,
  },
  {
    cls: InvalidAuthTokenError,
    name: 'InvalidAuthTokenError',
    status: 400,
    statTags: { errorCategory: 'network', errorType: 'retryable', meta: 'invalidAuthToken' },
    statusWhenGiven503: 503,
  },
  {
    cls: UnauthorizedError,
    name: 'UnauthorizedError',
    status: 400,
    statTags: { errorCategory: 'network', errorType: 'aborted', meta: 'unauthorized' },
    statusWhenGiven503: 503,
  },
  {
    cls: UnhandledStatusCodeError,
    name: 'UnhandledStatusCodeError',
    status: 400,
    statTags: { errorCategory: 'network', errorType: 'aborted', meta: 'unhandledStatusCode' },
    statusWhenGiven503: 400,
  },
  {
    cls: FilteredEventsError,
    name: 'FilteredEventsError',
    status: 298,
    statTags: {},
    statusWhenGiven503: 298,
  },
];

describe('error classes', () => {
  it.each(CLASSES)('$name: status, stat tags, name and defaults', ({ cls, name, status, statTags }) => {
    const error = new cls('something went wrong');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(TransformerError);
    expect(error).toBeInstanceOf(cls);
    expect(isTransformerError(error)).toBe(true);
    expect(error.name).toBe(name);
    expect(error.message).toBe('something went wrong');
    expect(error.status).toBe(status);
    expect(error.statTags).toEqual(statTags);
    expect(error.destinationResponse).toBe('');
    expect(error.authErrorCategory).toBe('');
    expect(error.cause).toBeUndefined();
    expect(error.stack).toContain('something went wrong');
  });

  it.each(CLASSES)(
    '$name: a given status is used only where the class allows it',
    ({ cls, statusWhenGiven503 }) => {
      expect(new cls('x', { status: 503 }).status).toBe(statusWhenGiven503);
    },
  );

  it.each(CLASSES)('$name: keeps the destination response, auth category and cause', ({ cls }) => {
    const cause = new Error('root');
    const destinationResponse = { status: 401, response: [{ errorCode: 'INVALID_SESSION_ID' }] };
    const error = new cls('x', { destinationResponse, authErrorCategory: 'REFRESH_TOKEN', cause });
    expect(error.destinationResponse).toBe(destinationResponse);
    expect(error.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(error.cause).toBe(cause);
  });

  it('FilteredEventsError is 298 with empty stat tags, even when asked otherwise', () => {
    const error = new FilteredEventsError('filtered', { status: 400 });
    expect(error.status).toBe(298);
    expect(error.statTags).toEqual({});
  });

  it('ThrottledError is always 429', () => {
    expect(new ThrottledError('slow down', { status: 503 }).status).toBe(429);
  });

  it('the base class defaults to 400 and no stat tags', () => {
    const error = new TransformerError('base');
    expect(error.status).toBe(400);
    expect(error.statTags).toEqual({});
    expect(error.name).toBe('TransformerError');
  });

  it('subclasses do not share one stat tags object', () => {
    const a = new RetryableError('a');
    const b = new RetryableError('b');
    expect(a.statTags).not.toBe(b.statTags);
  });

  it('isTransformerError rejects plain errors and non-errors', () => {
    expect(isTransformerError(new TypeError('x'))).toBe(false);
    expect(isTransformerError({ status: 400, statTags: {}, message: 'x' })).toBe(false);
    expect(isTransformerError('x')).toBe(false);
    expect(isTransformerError(undefined)).toBe(false);
  });
});

describe('toErrorObject', () => {
  const destinationResponse = { status: 400, response: [{ errorCode: 'INVALID_FIELD', message: 'bad' }] };

  it('folds the destination response into the message when enriching', () => {
    const obj = toErrorObject(new AbortedError('Request failed', { destinationResponse }));
    expect(JSON.parse(obj.message)).toEqual({ message: 'Request failed', destinationResponse });
    expect(obj.status).toBe(400);
    expect(obj.statTags).toEqual({ errorCategory: 'network', errorType: 'aborted' });
    expect(obj.destinationResponse).toBe(destinationResponse);
    expect(obj.authErrorCategory).toBe('');
  });

  it('keeps the plain message without enrichment', () => {
    const obj = toErrorObject(new AbortedError('Request failed', { destinationResponse }), {}, false);
    expect(obj.message).toBe('Request failed');
    expect(obj.destinationResponse).toBe(destinationResponse);
  });

  it('keeps the plain message when there is no destination response', () => {
    expect(toErrorObject(new InstrumentationError('bad event')).message).toBe('bad event');
  });

  it('merges default tags over the error tags', () => {
    const obj = toErrorObject(new InstrumentationError('bad event'), {
      destType: 'SALESFORCE',
      feature: 'processor',
      errorType: 'configuration',
    });
    expect(obj.statTags).toEqual({
      errorCategory: 'dataValidation',
      errorType: 'configuration',
      destType: 'SALESFORCE',
      feature: 'processor',
    });
  });

  it('carries the auth error category', () => {
    const obj = toErrorObject(new RetryableError('expired', { authErrorCategory: 'REFRESH_TOKEN' }));
    expect(obj.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(obj.status).toBe(500);
  });

  it('keeps 298 and empty tags for a filtered event', () => {
    expect(toErrorObject(new FilteredEventsError('not for us'))).toEqual({
      message: 'not for us',
      status: 298,
      statTags: {},
      destinationResponse: '',
      authErrorCategory: '',
    });
  });

  it.each<[string, unknown, string]>([
    [
      'a TypeError',
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      "Cannot read properties of undefined (reading 'x')",
    ],
    ['a plain Error', new Error('boom'), 'boom'],
    ['a thrown string', 'just a string', 'just a string'],
    [
      'an object with status-like fields',
      { status: 400, message: 'not a contract error' },
      '[object Object]',
    ],
  ])('%s → 500 transformation error, default tags dropped', (_name, thrown, message) => {
    expect(toErrorObject(thrown, { destType: 'SALESFORCE' })).toEqual({
      message,
      status: 500,
      statTags: { errorCategory: 'transformation' },
      destinationResponse: '',
      authErrorCategory: '',
    });
  });
});
