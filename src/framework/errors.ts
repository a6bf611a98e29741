/**
 * Typed errors of the destination contract (spec rudder-contract.md A.3).
 *
 * Every error carries what the host needs to classify a job: an HTTP-like `status`, `statTags`
 * (`errorCategory` / `errorType` / `meta`), the destination's response when one caused it, and for auth
 * failures the `authErrorCategory` that tells rudder-server to refresh a token or deactivate an account.
 */

export const ERROR_CATEGORIES = ['dataValidation', 'network', 'platform', 'transformation'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export const ERROR_TYPES = [
  'instrumentation',
  'configuration',
  'throttled',
  'retryable',
  'aborted',
  'oAuthSecret',
  'unsupported',
  'redis',
  'accessTokenExpired',
  'filtered',
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export const ERROR_METAS = [
  'invalidAuthToken',
  'unhandledStatusCode',
  'instrumentation',
  'unauthorized',
  'accessTokenExpired',
] as const;
export type ErrorMeta = (typeof ERROR_METAS)[number];

/** rudder-server acts on these for OAuth destinations (spec A.3.3, rudder-server.md 2.6). */
export const AUTH_ERROR_CATEGORIES = ['REFRESH_TOKEN', 'AUTH_STATUS_INACTIVE'] as const;
export type AuthErrorCategory = (typeof AUTH_ERROR_CATEGORIES)[number] | '';

export interface StatTags {
  errorCategory?: ErrorCategory;
  errorType?: ErrorType;
  meta?: ErrorMeta;
  [key: string]: string | undefined;
}

/** What a destination answered (the processed response of spec A.5.2), kept for diagnosis. */
export interface DestinationResponse {
  status: number;
  response: unknown;
  headers?: Record<string, string>;
}

export interface ErrorOptions {
  status?: number;
  statTags?: StatTags;
  destinationResponse?: DestinationResponse | string;
  authErrorCategory?: AuthErrorCategory;
  cause?: unknown;
}

/** Base of every contract error. Field names match the contract so the host can read them as they are. */
export class TransformerError extends Error {
  readonly status: number;
  readonly statTags: StatTags;
  readonly destinationResponse: DestinationResponse | string;
  readonly authErrorCategory: AuthErrorCategory;

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransformerError';
    this.status = options.status ?? 400;
    this.statTags = options.statTags ?? {};
    this.destinationResponse = options.destinationResponse ?? '';
    this.authErrorCategory = options.authErrorCategory ?? '';
  }
}

type SubclassOptions = Omit<ErrorOptions, 'statTags'>;

/** The event itself is wrong (missing traits, bad type...). Aborted: retrying cannot help. */
export class InstrumentationError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      ...options,
      status: 400,
      statTags: { errorCategory: 'dataValidation', errorType: 'instrumentation' },
    });
    this.name = 'InstrumentationError';
  }
}

/** The destination configuration is wrong. Aborted until the user fixes the config. */
export class ConfigurationError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      ...options,
      status: 400,
      statTags: { errorCategory: 'dataValidation', errorType: 'configuration' },
    });
    this.name = 'ConfigurationError';
  }
}

/** The configured credentials were refused. Aborted; the user must fix them. */
export class ConfigurationAuthError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      ...options,
      status: 400,
      statTags: { errorCategory: 'dataValidation', errorType: 'configuration', meta: 'accessTokenExpired' },
    });
    this.name = 'ConfigurationAuthError';
  }
}

/** Unexpected failure inside the transform (a bug); status defaults to 500 so the job is retried. */
export class TransformationError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, { status: 500, ...options, statTags: { errorCategory: 'transformation' } });
    this.name = 'TransformationError';
  }
}

/** A platform problem (for example the host handed us an inconsistent payload). */
export class PlatformError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, { status: 400, ...options, statTags: { errorCategory: 'platform' } });
    this.name = 'PlatformError';
  }
}

export class UnsupportedEventError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      ...options,
      status: 400,
      statTags: { errorCategory: 'platform', errorType: 'unsupported' },
    });
    this.name = 'UnsupportedEventError';
  }
}

/** The host's OAuth secret is missing or incomplete: a platform issue, retried (500). */
export class OAuthSecretError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      ...options,
      status: 500,
      statTags: { errorCategory: 'platform', errorType: 'oAuthSecret' },
    });
    this.name = 'OAuthSecretError';
  }
}

/** A transient destination failure: retried with backoff (status 5xx, default 500). */
export class RetryableError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      status: 500,
      ...options,
      statTags: { errorCategory: 'network', errorType: 'retryable' },
    });
    this.name = 'RetryableError';
  }
}

/** The destination asked us to slow down: status is always 429, retried without counting toward abort. */
export class ThrottledError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      ...options,
      status: 429,
      statTags: { errorCategory: 'network', errorType: 'throttled' },
    });
    this.name = 'ThrottledError';
  }
}

/** The destination refused the request for good (status 4xx, default 400): aborted. */
export class AbortedError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, { status: 400, ...options, statTags: { errorCategory: 'network', errorType: 'aborted' } });
    this.name = 'AbortedError';
  }
}

/** A destination answer that shows the event's data is wrong (ambiguous or deleted match...): aborted, 400. */
export class NetworkInstrumentationError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      ...options,
      status: 400,
      statTags: { errorCategory: 'network', errorType: 'aborted', meta: 'instrumentation' },
    });
    this.name = 'NetworkInstrumentationError';
  }
}

export class InvalidAuthTokenError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      status: 400,
      ...options,
      statTags: { errorCategory: 'network', errorType: 'retryable', meta: 'invalidAuthToken' },
    });
    this.name = 'InvalidAuthTokenError';
  }
}

export class UnauthorizedError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      status: 400,
      ...options,
      statTags: { errorCategory: 'network', errorType: 'aborted', meta: 'unauthorized' },
    });
    this.name = 'UnauthorizedError';
  }
}

export class UnhandledStatusCodeError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, {
      ...options,
      status: 400,
      statTags: { errorCategory: 'network', errorType: 'aborted', meta: 'unhandledStatusCode' },
    });
    this.name = 'UnhandledStatusCodeError';
  }
}

/** The event is deliberately not sent (status 298: rudder-server marks the job Filtered). No stat tags. */
export class FilteredEventsError extends TransformerError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, { ...options, status: 298, statTags: {} });
    this.name = 'FilteredEventsError';
  }
}

export function isTransformerError(value: unknown): value is TransformerError {
  return value instanceof TransformerError;
}

/** The plain error object the host serialises (spec A.3.4 `generateErrorObject`). */
export interface ErrorObject {
  message: string;
  status: number;
  statTags: StatTags;
  destinationResponse: DestinationResponse | string;
  authErrorCategory: AuthErrorCategory;
}

/**
 * Normalise anything thrown into an {@link ErrorObject}.
 * Non-contract errors (TypeError, plain Error) become a 500 transformation error: the job is retried and the bug
 * is visible in stats. With `enrich`, the destination response is folded into the message as the reference does
 * for processor and router outputs.
 */
export function toErrorObject(error: unknown, defaultTags: StatTags = {}, enrich = true): ErrorObject {
  if (!isTransformerError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      message,
      status: 500,
      statTags: { errorCategory: 'transformation' },
      destinationResponse: '',
      authErrorCategory: '',
    };
  }
  const message =
    enrich && error.destinationResponse
      ? JSON.stringify({ message: error.message, destinationResponse: error.destinationResponse })
      : error.message;
  return {
    message,
    status: error.status,
    statTags: { ...error.statTags, ...defaultTags },
    destinationResponse: error.destinationResponse,
    authErrorCategory: error.authErrorCategory,
  };
}
