/**
 * The contract's errors are `@rudderstack/integrations-lib`'s own classes (spec rudder-contract.md A.3.1, A.3.2);
 * `toErrorObject` is the host's `generateErrorObject` (A.3.4); `adoptError` hands an error to a host that has its
 * own copy of the library.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  AbortedError,
  adoptError,
  BaseError,
  ConfigurationError,
  FilteredEventsError,
  InstrumentationError,
  isContractError,
  NetworkInstrumentationError,
  OAuthSecretError,
  PlatformError,
  RetryableError,
  ThrottledError,
  toErrorObject,
  type ErrorLibrary,
  type StatTags,
} from '../../../src/framework/errors';

describe("the classes we throw are the library's, with the contract's status and tags (A.3.2)", () => {
  it.each<[string, BaseError, number, StatTags]>([
    [
      'InstrumentationError',
      new InstrumentationError('x'),
      400,
      { errorCategory: 'dataValidation', errorType: 'instrumentation' },
    ],
    [
      'ConfigurationError',
      new ConfigurationError('x'),
      400,
      { errorCategory: 'dataValidation', errorType: 'configuration' },
    ],
    ['PlatformError', new PlatformError('x'), 400, { errorCategory: 'platform' }],
    [
      'OAuthSecretError',
      new OAuthSecretError('x'),
      500,
      { errorCategory: 'platform', errorType: 'oAuthSecret' },
    ],
    ['RetryableError', new RetryableError('x'), 500, { errorCategory: 'network', errorType: 'retryable' }],
    ['ThrottledError', new ThrottledError('x'), 429, { errorCategory: 'network', errorType: 'throttled' }],
    ['AbortedError', new AbortedError('x'), 400, { errorCategory: 'network', errorType: 'aborted' }],
    [
      'NetworkInstrumentationError',
      new NetworkInstrumentationError('x'),
      400,
      { errorCategory: 'network', errorType: 'aborted', meta: 'instrumentation' },
    ],
  ])('%s', (_name, error, status, statTags) => {
    expect(error).toBeInstanceOf(BaseError);
    expect(isContractError(error)).toBe(true);
    expect(error.status).toBe(status);
    expect(error.statTags).toEqual(statTags);
    expect(error.destinationResponse).toBe('');
    expect(error.authErrorCategory).toBe('');
  });

  it('FilteredEventsError is a BaseError with status 298 and no tags', () => {
    const error = new FilteredEventsError('filtered');
    expect(error).toBeInstanceOf(BaseError);
    expect(error.status).toBe(298);
    expect(error.statTags).toEqual({});
    expect(error.name).toBe('FilteredEventsError');
  });

  it('isContractError rejects plain errors and look-alikes', () => {
    expect(isContractError(new TypeError('x'))).toBe(false);
    expect(isContractError({ status: 400, statTags: {}, message: 'x' })).toBe(false);
    expect(isContractError('x')).toBe(false);
    expect(isContractError(undefined)).toBe(false);
  });
});

describe('adoptError: a host with its own copy of the library', () => {
  let dir: string;
  let host: ErrorLibrary;
  beforeAll(() => {
    // A second copy of the package, as a host that installs its own has: same code, other classes.
    dir = mkdtempSync(join(tmpdir(), 'host-lib-'));
    const ours = dirname(require.resolve('@rudderstack/integrations-lib/package.json'));
    const theirs = join(dir, 'node_modules', '@rudderstack', 'integrations-lib');
    for (const part of ['package.json', 'build/errors', 'build/tags.js'])
      cpSync(join(ours, part), join(theirs, part), { recursive: true });
    host = createRequire(join(dir, 'host.js'))('@rudderstack/integrations-lib/build/errors') as ErrorLibrary;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the copies are distinct: ours are not instances of the host's classes", () => {
    expect(host.BaseError).not.toBe(BaseError);
    expect(new RetryableError('x')).not.toBeInstanceOf(host.BaseError);
  });

  it("an adopted error is an instance of the host's class of the same name, with every field kept", () => {
    const destinationResponse = { status: 401, response: [{ errorCode: 'INVALID_SESSION_ID' }] };
    const ours = new RetryableError(
      'expired',
      500,
      destinationResponse as unknown as string,
      'REFRESH_TOKEN',
    );
    const adopted = adoptError(ours, host) as BaseError;
    expect(adopted).toBeInstanceOf(host.BaseError);
    expect(adopted).toBeInstanceOf(host.RetryableError as typeof BaseError);
    expect(adopted).toMatchObject({
      message: 'expired',
      status: 500,
      statTags: { errorCategory: 'network', errorType: 'retryable' },
      destinationResponse,
      authErrorCategory: 'REFRESH_TOKEN',
      name: ours.name,
      stack: ours.stack,
    });
  });

  it('a class the host has not (FilteredEventsError) becomes its BaseError; plain errors stay as they are', () => {
    const filtered = adoptError(new FilteredEventsError('not for us'), host) as BaseError;
    expect(filtered).toBeInstanceOf(host.BaseError);
    expect(filtered.status).toBe(298);
    const bug = new TypeError('bug');
    expect(adoptError(bug, host)).toBe(bug);
    const theirs = new host.BaseError('theirs');
    expect(adoptError(theirs, host)).toBe(theirs);
  });
});

describe('toErrorObject', () => {
  const destinationResponse = { status: 400, response: [{ errorCode: 'INVALID_FIELD', message: 'bad' }] };

  it('folds the destination response into the message when enriching', () => {
    const obj = toErrorObject(new AbortedError('Request failed', 400, destinationResponse));
    expect(JSON.parse(obj.message)).toEqual({ message: 'Request failed', destinationResponse });
    expect(obj.status).toBe(400);
    expect(obj.statTags).toEqual({ errorCategory: 'network', errorType: 'aborted' });
    expect(obj.destinationResponse).toBe(destinationResponse);
    expect(obj.authErrorCategory).toBe('');
  });

  it('keeps the plain message without enrichment', () => {
    const obj = toErrorObject(new AbortedError('Request failed', 400, destinationResponse), {}, false);
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
    const obj = toErrorObject(new RetryableError('expired', 500, undefined, 'REFRESH_TOKEN'));
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
