/**
 * Salesforce answer → what the host must do with the job. A pure rule table: no cache eviction, no logging; the
 * caller acts on the result. Rows are evaluated in order and the first match wins; every row has a test.
 *
 * Sources: spec rudder-contract.md B.8 (the reference table, with its dead lock-row branch fixed, W7, and 502/504
 * retried, W9) and salesforce-api.md section 7 (status and error codes).
 */
import {
  AbortedError,
  RetryableError,
  ThrottledError,
  type AuthErrorCategory,
  type DestinationResponse,
  type TransformerError,
} from '../../../framework/errors';
import { DESTINATION } from './config';
import { isObject } from '../../../framework/validate';

export type Outcome = 'success' | 'refresh' | 'throttled' | 'retryable' | 'aborted';

export interface SalesforceErrorDetail {
  errorCode: string;
  message: string;
  fields?: string[];
}

export interface Classification {
  outcome: Outcome;
  /** The status the job gets: 200, 500 (refresh, retryable), 429 (throttled) or 400 (aborted). */
  status: number;
  /** The rule that matched, for tests and logs. */
  rule: string;
  errorCode?: string;
  message: string;
}

/** Codes that say "the same request will work later" (salesforce-api.md 7.2). */
export const TRANSIENT_ERROR_CODES = [
  'UNABLE_TO_LOCK_ROW',
  'TOO_MANY_APEX_REQUESTS',
  'API_CURRENTLY_DISABLED',
  'INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE',
  'TEMPORARY_QUERY_MORE_FAILURE',
  'QUERY_TIMEOUT',
  'SERVER_UNAVAILABLE',
] as const;

/** Text that reveals a transient failure wrapped in another code (CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY from triggers). */
const TRANSIENT_MESSAGE = /UNABLE_TO_LOCK_ROW|unable to obtain exclusive access|Too many SOQL queries/i;

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isObject(value) ? value : undefined;
}

/**
 * Every error in a Salesforce body, whatever its shape: the REST array `[{errorCode, message}]`, a collections
 * item's `errors: [{statusCode, message}]`, the OAuth `{error, error_description}`, or one error object.
 */
export function extractErrors(body: unknown): SalesforceErrorDetail[] {
  const items = Array.isArray(body) ? body : body === undefined || body === null || body === '' ? [] : [body];
  const out: SalesforceErrorDetail[] = [];
  for (const item of items) {
    const rec = asRecord(item);
    if (!rec) {
      if (typeof item === 'string' && item) out.push({ errorCode: '', message: item });
      continue;
    }
    const code = rec.errorCode ?? rec.statusCode ?? rec.error;
    const message = rec.message ?? rec.error_description ?? '';
    if (typeof code === 'string' || typeof message === 'string') {
      const detail: SalesforceErrorDetail = {
        errorCode: typeof code === 'string' ? code : '',
        message: typeof message === 'string' ? message : JSON.stringify(message),
      };
      if (Array.isArray(rec.fields))
        detail.fields = rec.fields.filter((f): f is string => typeof f === 'string');
      out.push(detail);
    }
  }
  return out;
}

function describe(body: unknown, errors: SalesforceErrorDetail[]): string {
  const messages = errors.map((e) => e.message).filter(Boolean);
  if (messages.length) return messages.join('; ');
  return typeof body === 'string' ? body : JSON.stringify(body);
}

interface Rule {
  name: string;
  matches: (status: number, codes: string[], text: string) => boolean;
  outcome: Exclude<Outcome, 'success'>;
  message: (status: number, detail: string, code: string) => string;
}

/** The table. `suffix` (where the call happened) is appended by {@link classify}. */
export const RULES: readonly Rule[] = [
  {
    name: 'session-expired',
    matches: (status) => status === 401,
    outcome: 'refresh',
    message: () => `${DESTINATION} Request Failed - due to "INVALID_SESSION_ID", (Retryable)`,
  },
  {
    name: 'api-limit',
    matches: (_status, codes) => codes.includes('REQUEST_LIMIT_EXCEEDED'),
    outcome: 'throttled',
    message: () => `${DESTINATION} Request Failed - due to "REQUEST_LIMIT_EXCEEDED", (Throttled)`,
  },
  {
    name: 'server-unavailable',
    matches: (status, codes) => (status === 500 || status === 503) && codes.includes('SERVER_UNAVAILABLE'),
    outcome: 'throttled',
    message: (status, detail) => `${DESTINATION} Request Failed: ${status} - due to ${detail},`,
  },
  {
    name: 'transient-code',
    matches: (_status, codes, text) =>
      codes.some((c) => (TRANSIENT_ERROR_CODES as readonly string[]).includes(c)) ||
      TRANSIENT_MESSAGE.test(text),
    outcome: 'retryable',
    message: (_status, detail) => `${DESTINATION} Request Failed - "${detail}", (Retryable)`,
  },
  {
    name: 'too-many-requests',
    matches: (status) => status === 429,
    outcome: 'throttled',
    message: (status, detail) => `${DESTINATION} Request Failed: ${status} - due to "${detail}", (Throttled)`,
  },
  {
    name: 'server-error',
    matches: (status) => status >= 500 || status === 408 || status < 200,
    outcome: 'retryable',
    message: (status, detail) => `${DESTINATION} Request Failed: ${status} - due to "${detail}", (Retryable)`,
  },
  {
    name: 'rejected',
    matches: () => true,
    outcome: 'aborted',
    message: (status, detail) => `${DESTINATION} Request Failed: "${status}" due to "${detail}", (Aborted)`,
  },
];

const STATUS_BY_OUTCOME: Record<Exclude<Outcome, 'success'>, number> = {
  refresh: 500,
  retryable: 500,
  throttled: 429,
  aborted: 400,
};

/**
 * Classify one Salesforce answer. `suffix` says where it happened, for the message. For a login (`login: true`) a
 * 401 means the credentials were refused, not that a session expired, so it is aborted rather than refreshed.
 */
export function classify(
  status: number,
  body: unknown,
  suffix = '',
  options: { login?: boolean } = {},
): Classification {
  if (status >= 200 && status < 300) {
    return {
      outcome: 'success',
      status: 200,
      rule: 'success',
      message: `Request for ${DESTINATION} processed successfully`,
    };
  }
  const errors = extractErrors(body);
  const codes = errors.map((e) => e.errorCode).filter(Boolean);
  const detail = describe(body, errors);
  const rules = options.login ? RULES.filter((r) => r.outcome !== 'refresh') : RULES;
  const rule = rules.find((r) => r.matches(status, codes, detail)) ?? RULES[RULES.length - 1];
  const classification: Classification = {
    outcome: rule.outcome,
    status: STATUS_BY_OUTCOME[rule.outcome],
    rule: rule.name,
    message: `${rule.message(status, detail, codes[0] ?? '')}${suffix ? ` ${suffix}` : ''}`,
  };
  if (codes[0]) classification.errorCode = codes[0];
  return classification;
}

/** A collections item's errors (HTTP 200 overall) classified as if the record had been sent alone. */
export function classifyRecordErrors(errors: unknown, suffix = ''): Classification {
  return classify(400, errors, suffix);
}

/**
 * The contract error for a failed classification. `oauth` says whether rudder-server owns the token: then an
 * expired session carries REFRESH_TOKEN so it refreshes; with our own password flow the caller evicts its cache.
 */
export function toTransformerError(
  c: Classification,
  destinationResponse: DestinationResponse | string,
  oauth: boolean,
): TransformerError {
  switch (c.outcome) {
    case 'refresh': {
      const authErrorCategory: AuthErrorCategory = oauth ? 'REFRESH_TOKEN' : '';
      return new RetryableError(c.message, { status: 500, destinationResponse, authErrorCategory });
    }
    case 'retryable':
      return new RetryableError(c.message, { status: 500, destinationResponse });
    case 'throttled':
      return new ThrottledError(c.message, { destinationResponse });
    default:
      return new AbortedError(c.message, { status: 400, destinationResponse });
  }
}
