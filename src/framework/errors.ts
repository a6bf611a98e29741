/**
 * The contract's errors (rudder-contract.md A.3) are `@rudderstack/integrations-lib`'s own classes, so a host
 * such as rudder-transformer recognises them (`instanceof BaseError`) and keeps their status, stat tags, destination
 * response and auth category. Anything thrown that is not one of them is a bug: hosts answer it as a bare 500
 * transformation error (A.3.4).
 *
 * A host that installs its own copy of the library has its own `BaseError`; {@link adoptError} rebuilds one of ours
 * from that copy's classes at the boundary where errors leave the destination.
 */
import { BaseError } from '@rudderstack/integrations-lib/build/errors';
import { spreadBoth } from './objects';

export {
  AbortedError,
  BaseError,
  ConfigurationError,
  InstrumentationError,
  NetworkInstrumentationError,
  OAuthSecretError,
  PlatformError,
  RetryableError,
  ThrottledError,
} from '@rudderstack/integrations-lib/build/errors';

/** rudder-server acts on these for OAuth destinations (rudder-contract.md A.3.3, rudder-server.md 2.6). */
export type AuthErrorCategory = 'REFRESH_TOKEN' | 'AUTH_STATUS_INACTIVE' | '';

/** Stat tags: `errorCategory` / `errorType` / `meta`, plus the host's own (destType, feature...). Values are strings. */
export type StatTags = Record<string, string | undefined>;

/** What a destination answered (the processed response of rudder-contract.md A.5.2), kept for diagnosis. */
export interface DestinationResponse {
  status: number;
  response: unknown;
  headers?: Record<string, string>;
}

/**
 * The event is deliberately not sent: status 298, rudder-server marks the job Filtered; no stat tags. The library
 * has no such class (rudder-transformer keeps its own in its repository); this one is a `BaseError` with that status.
 */
export class FilteredEventsError extends BaseError {
  constructor(message: string) {
    super(message, 298, {});
    this.name = 'FilteredEventsError';
  }
}

/** Whether a value is one of the contract's errors (of this process's copy of the library). */
export function isContractError(value: unknown): value is BaseError {
  return value instanceof BaseError;
}

/** The plain error object the host serialises (rudder-contract.md A.3.4 `generateErrorObject`). */
export interface ErrorObject {
  message: string;
  status: number;
  statTags: StatTags;
  destinationResponse: DestinationResponse | string;
  authErrorCategory: AuthErrorCategory;
}

/** The library types these loosely (`{}`, `string`); this is what they hold. */
function fieldsOf(error: BaseError): Omit<ErrorObject, 'message'> {
  return {
    status: error.status,
    statTags: error.statTags as StatTags,
    destinationResponse: error.destinationResponse as DestinationResponse | string,
    authErrorCategory: error.authErrorCategory as AuthErrorCategory,
  };
}

/**
 * Normalise anything thrown into an {@link ErrorObject}, as the reference host does (rudder-contract.md A.3.4). A non-contract
 * error (TypeError, plain Error) becomes a 500 transformation error: the job is retried and the bug is visible in
 * stats. With `enrich`, the destination response is folded into the message (processor and router outputs).
 */
export function toErrorObject(error: unknown, defaultTags: StatTags = {}, enrich = true): ErrorObject {
  if (!isContractError(error)) {
    return {
      message: error instanceof Error ? error.message : String(error),
      status: 500,
      statTags: { errorCategory: 'transformation' },
      destinationResponse: '',
      authErrorCategory: '',
    };
  }
  const fields = fieldsOf(error);
  const message =
    enrich && fields.destinationResponse
      ? JSON.stringify({ message: error.message, destinationResponse: fields.destinationResponse })
      : error.message;
  // The same object as `{ ...fields, message, statTags: { ...fields.statTags, ...defaultTags } }`, built without
  // the slow spreads (objects.ts).
  const { status, statTags, destinationResponse, authErrorCategory } = fields;
  return {
    status,
    statTags: spreadBoth(statTags ?? {}, defaultTags),
    destinationResponse,
    authErrorCategory,
    message,
  };
}

/** The error classes of a copy of `@rudderstack/integrations-lib` (its `build/errors` module, or the package). */
export interface ErrorLibrary {
  BaseError: typeof BaseError;
  [className: string]: unknown;
}

/**
 * The same error, as an instance of `library`'s classes: of its class of the same name when it has one, else of its
 * `BaseError`. Message, status, stat tags, destination response, auth category, name and stack are kept. An error
 * that already belongs to `library` (or is not a contract error) is returned as it is.
 */
export function adoptError(error: unknown, library: ErrorLibrary): unknown {
  const Base = library.BaseError;
  const ofLibrary: unknown = error instanceof Base;
  if (ofLibrary === true || !isContractError(error)) return error;
  const f = fieldsOf(error);
  const adopted = new Base(
    error.message,
    f.status,
    f.statTags,
    f.destinationResponse as string,
    f.authErrorCategory,
  );
  const Same = library[error.constructor.name];
  if (typeof Same === 'function' && Same.prototype instanceof Base) {
    Object.setPrototypeOf(adopted, Same.prototype as object);
  }
  adopted.name = error.name;
  if (error.stack) adopted.stack = error.stack;
  return adopted;
}
