/** Salesforce error values and their two JSON shapes (single-record `errorCode`, collections `statusCode`). */

export class SfError {
  constructor(
    readonly errorCode: string,
    readonly message: string,
    readonly fields: string[] = [],
  ) {}

  /** Shape used by single-record calls and failed composite subrequests. */
  toSingle(): { message: string; errorCode: string; fields: string[] } {
    return { message: this.message, errorCode: this.errorCode, fields: this.fields };
  }

  /** Shape used inside Collections per-record results. */
  toItem(): { statusCode: string; message: string; fields: string[] } {
    return { statusCode: this.errorCode, message: this.message, fields: this.fields };
  }
}

/** Request-level failure: aborts the request with this status and body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

/** `[{"message","errorCode"}]` request-level error (no `fields` key, like session/limit/query errors). */
export function httpError(status: number, errorCode: string, message: string): HttpError {
  return new HttpError(status, [{ message, errorCode }]);
}

/** A record body that cannot be deserialised (unknown field, wrong JSON type, unknown type). */
export class DeserializeError extends Error {
  constructor(readonly error: SfError) {
    super(error.message);
  }
}

export const NOT_FOUND_MESSAGE = 'The requested resource does not exist';

export function notFound(): HttpError {
  return httpError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE);
}

export const ROLLED_BACK = new SfError(
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  'Record rolled back because not all records were valid and the request was using AllOrNone header',
);

export const LOCK_ERROR = new SfError(
  'UNABLE_TO_LOCK_ROW',
  'unable to obtain exclusive access to this record',
);
