/**
 * Salesforce answer → what the host must do with the job. A pure rule table: no cache eviction, no logging; the
 * caller acts on the result. Rows are evaluated in order and the first match wins; every row has a test.
 *
 * Sources: rudder-contract.md B.8 (the reference table, with its dead lock-row branch fixed and 502/504
 * retried: weaknesses W7 and W9 of B.10) and salesforce-api.md section 7 (status and error codes).
 */
import {
  AbortedError,
  RetryableError,
  ThrottledError,
  type BaseError,
  type DestinationResponse,
  type StatTags,
} from '../../../framework/errors';
import { isObject } from '../../../framework/validate';
import type { TokenOwner } from './auth';
import { DESTINATION } from './config';

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

/** What a rule may look at besides the answer: whether the session is the host's (an OAuth token it can refresh). */
interface Context {
  hostToken: boolean;
}

interface Rule {
  name: string;
  matches: (status: number, codes: string[], text: string, context: Context) => boolean;
  outcome: Exclude<Outcome, 'success'>;
  message: (status: number, detail: string, code: string) => string;
}

/** The table. `suffix` (where the call happened) is appended by {@link classify}. */
export const RULES: readonly Rule[] = [
  {
    // Our own login's 401 is a refresh only for an expired session; any 401 on the host's token asks it to refresh.
    name: 'session-expired',
    matches: (status, codes, _text, context) =>
      status === 401 && (codes.includes('INVALID_SESSION_ID') || context.hostToken),
    outcome: 'refresh',
    message: (_status, _detail, code) =>
      `${DESTINATION} Request Failed - due to "${code || 'INVALID_SESSION_ID'}", (Retryable)`,
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

/** The table for a login's answer: no refresh rule (a login's 401 is refused credentials). */
const LOGIN_RULES = RULES.filter((r) => r.outcome !== 'refresh');

const STATUS_BY_OUTCOME: Record<Exclude<Outcome, 'success'>, number> = {
  refresh: 500,
  retryable: 500,
  throttled: 429,
  aborted: 400,
};

export interface ClassifyOptions {
  /** The call was a login: a 401 means the credentials were refused, not that a session expired (aborted). */
  login?: boolean;
  /** The session is the host's OAuth token: any 401 asks the host to refresh it. */
  hostToken?: boolean;
}

/** Classify one Salesforce answer. `suffix` says where it happened, for the message. */
export function classify(
  status: number,
  body: unknown,
  suffix = '',
  options: ClassifyOptions = {},
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
  const rules = options.login ? LOGIN_RULES : RULES;
  const context: Context = { hostToken: options.hostToken === true };
  const rule = rules.find((r) => r.matches(status, codes, detail, context)) ?? RULES[RULES.length - 1];
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
 * The contract error for a failed classification. An expired session the host owns carries REFRESH_TOKEN, so
 * rudder-server refreshes it; for a session of ours the caller evicts its cache instead.
 */
export function toContractError(
  c: Classification,
  destinationResponse: DestinationResponse | string,
  owner: TokenOwner,
): BaseError {
  const response = destinationResponse as string; // the library types it loosely; it holds the processed answer
  switch (c.outcome) {
    case 'refresh':
      return new RetryableError(c.message, 500, response, owner === 'host' ? 'REFRESH_TOKEN' : undefined);
    case 'retryable':
      return new RetryableError(c.message, 500, response);
    case 'throttled':
      return new ThrottledError(c.message, response);
    default:
      return new AbortedError(c.message, 400, response);
  }
}

const OUTCOMES: readonly Outcome[] = ['success', 'refresh', 'retryable', 'throttled', 'aborted'];

/** The stat tags of each outcome's contract error, read once from the library's classes instead of per job. */
const STAT_TAGS = Object.freeze(
  Object.fromEntries(
    OUTCOMES.map((outcome) => {
      const c: Classification = { outcome, status: 0, rule: '', message: '' };
      return [outcome, Object.freeze(toContractError(c, '', 'us').statTags as StatTags)];
    }),
  ) as Record<Outcome, Readonly<StatTags>>,
);

/** The stat tags {@link toContractError} gives a classification (shared and frozen: copy them to add tags). */
export function statTagsOf(c: Classification): Readonly<StatTags> {
  return STAT_TAGS[c.outcome];
}
