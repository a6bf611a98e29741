/**
 * Structured logs without secrets.
 *
 * Two layers, because either alone leaks:
 * - pino `redact` paths cover the well-known places (request headers, `metadata.secret`, config keys one or two levels
 *   down) at serialisation cost close to zero;
 * - `redactSecrets` walks every logged plain object and array (pino `formatters.log`, which runs before the
 *   serializers and so covers a logged `body` too; errors, which are not plain objects, go through the `err`
 *   serializer), so a secret nested anywhere (a descriptor's `headers.Authorization`, `destination.Config.password`
 *   inside `input[17]`) is replaced by `[REDACTED]`, and secret-looking fragments inside strings (`Bearer …`,
 *   `password=…`) are masked.
 *
 * Request bodies are logged only at `debug` (pino formats nothing for a disabled level, so the walk costs nothing
 * at `info`). At `info`, each request writes one line, when it is answered (RequestLogController).
 */
import { writeSync } from 'node:fs';
import {
  LogController,
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { SECRET_CONFIG_KEYS } from '../v0/destinations/salesforce/index';

export const REDACTED = '[REDACTED]';

/**
 * Keys whose value is a secret wherever they appear (compared lower-cased, `-` and `_` ignored): the generic ones
 * (credentials, tokens, headers) and every config key the destination declares secret, so a secret key added to
 * the destination is redacted here without a second list to keep in step.
 */
const SECRET_KEYS = new Set(
  [
    'password',
    'securityToken',
    'clientSecret',
    'privateKey',
    'accessToken',
    'refreshToken',
    'token',
    'authorization',
    'proxyAuthorization',
    'secret',
    'oauthSecret',
    'cookie',
    'setCookie',
    'apiKey',
    ...SECRET_CONFIG_KEYS,
  ].map(normaliseKey),
);

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(normaliseKey(key));
}

/** Names whose value is a secret in a form-encoded string (`password=...&client_secret=...`). */
const FORM_SECRET_NAMES = [
  ...new Set([
    'password',
    'client_secret',
    'access_token',
    'refresh_token',
    'security_token',
    'clientSecret',
    ...SECRET_CONFIG_KEYS,
  ]),
];

/** Secrets that can hide inside a string: bearer tokens, form-encoded credentials, Salesforce session ids. */
const STRING_PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|OAuth)\s+[^\s",;]+/gi, `$1 ${REDACTED}`],
  [new RegExp(`\\b(${FORM_SECRET_NAMES.join('|')})=[^&\\s"]*`, 'gi'), `$1=${REDACTED}`],
  // A Salesforce session id: 15-char org id, '!', then a long opaque tail.
  [/\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{20,}/g, REDACTED],
];

function redactString(value: string): string {
  let out = value;
  for (const [pattern, replacement] of STRING_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 10;
const MAX_ARRAY_ITEMS = 25;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with secrets replaced. Plain objects and arrays are walked; other objects (a fastify request,
 * an Error) are returned as they are, for their own serializer. Long arrays are cut to their first items.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (depth > MAX_DEPTH) return '[depth limit]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ARRAY_ITEMS).map((item) => redactSecrets(item, depth + 1));
    if (value.length > MAX_ARRAY_ITEMS) items.push(`…${value.length - MAX_ARRAY_ITEMS} more items`);
    return items;
  }
  if (!isPlainObject(value)) return value;
  // Object.fromEntries defines keys: a `__proto__` key of the input stays an own key of the copy.
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      isSecretKey(key) && item !== undefined && item !== null ? REDACTED : redactSecrets(item, depth + 1),
    ]),
  );
}

/** The error serializer: what a contract error carries, redacted; never the request it came from. */
function serializeError(error: unknown): {
  type: string;
  message: string;
  stack: string;
  [k: string]: unknown;
} {
  if (!(error instanceof Error)) {
    return { type: typeof error, message: redactString(String(error)), stack: '' };
  }
  const out: { type: string; message: string; stack: string; [k: string]: unknown } = {
    type: error.name || error.constructor.name,
    message: redactString(error.message),
    stack: redactString(error.stack ?? ''),
  };
  for (const key of [
    'code',
    'status',
    'statusCode',
    'statTags',
    'destinationResponse',
    'authErrorCategory',
  ]) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value !== undefined && value !== '') out[key] = redactSecrets(value);
  }
  return out;
}

/** pino redact paths: cheap, exact-path protection for the usual places. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["oauth-secret"]',
  'headers.authorization',
  'headers.Authorization',
  'headers["oauth-secret"]',
  'metadata.secret',
  'metadata[*].secret',
  '*.access_token',
  '*.refresh_token',
  '*.secret',
  // Keys that are not identifiers cannot be written as a pino path; the `formatters.log` walk still redacts them.
  ...SECRET_CONFIG_KEYS.filter((key) => /^[A-Za-z_$][\w$]*$/.test(key)).flatMap((key) => [
    `*.${key}`,
    `*.Config.${key}`,
  ]),
];

export interface LogOptions {
  /** pino level; default `LOG_LEVEL` or `info`. `silent` disables logging. */
  level?: string;
  /** Where lines go (a pino destination: anything with `write(line)`); default stdout (StdoutLines). */
  stream?: { write(line: string): void };
}

/** How long to wait before writing again to a full non-blocking pipe. */
const FULL_PIPE_WAIT_MS = 1;

/**
 * The default destination of the logs: stdout, one synchronous write per line. pino's own default writes
 * asynchronously, and an asynchronous file write costs the event loop several times what the write itself does
 * (measured: about 25 µs of CPU per line, against about 3 µs for a synchronous one), at one line per request. A line is
 * out when `write` returns (nothing to lose on a crash, nothing piling up in memory), and the lines of cluster workers
 * sharing stdout do not interleave (one write per line: a pipe keeps writes up to 4 KB whole). A full non-blocking
 * pipe is waited for; once stdout is gone (EPIPE, EBADF) lines are dropped, and the service keeps serving.
 */
export class StdoutLines {
  private open = true;
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly fd = 1) {}

  write(line: string): void {
    let rest = Buffer.from(line);
    while (this.open && rest.length > 0) {
      try {
        rest = rest.subarray(writeSync(this.fd, rest));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN')
          Atomics.wait(this.pause, 0, 0, FULL_PIPE_WAIT_MS);
        else this.open = false;
      }
    }
  }
}

interface RequestLike {
  id?: string;
  method?: string;
  url?: string;
  ip?: string;
  headers?: Record<string, unknown>;
}

/** The fastify `logger` option. */
export function loggerOptions(options: LogOptions): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    stream: options.stream ?? new StdoutLines(),
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    formatters: {
      log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown>,
    },
    serializers: {
      req: (req: RequestLike) => ({
        method: req.method,
        url: req.url === undefined ? undefined : redactString(req.url),
        remoteAddress: req.ip,
        contentLength: req.headers?.['content-length'],
      }),
      err: (err: Error) => serializeError(err),
    },
  };
}

/**
 * The summary line's logger: the server's, without the catch-all redaction (the pino paths and the walk of every
 * value). The line holds only what the serializers make of the request and the reply (method, URL with its secrets
 * masked by `redactString`, remote address, length; status) and numbers, none of which the catch-all ever changed;
 * and it is the one line written per request, where the catch-all cost several times the rest of the line.
 */
const SUMMARY_LOGGER: Parameters<FastifyBaseLogger['child']>[1] = {
  redact: [],
  formatters: { log: (object: object) => object },
};

/**
 * Fastify's own per-request lines, cut to one: nothing on arrival, and on reply `request completed` with the request
 * (method, URL, remote address, length), the status and the time in ms; `request errored` at error level when the
 * reply itself failed. Half the lines of fastify's default (one on arrival, one on reply), for the same facts.
 */
export class RequestLogController extends LogController {
  private summaries?: FastifyBaseLogger;

  /** Write the summary lines with (a child of) the server's logger; until then, with each request's. */
  attach(log: FastifyBaseLogger): void {
    this.summaries = log.child({}, SUMMARY_LOGGER);
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      );
      return;
    }
    const responseTime = reply.elapsedTime;
    // The id as fastify's per-request logger would bind it (the summary logger is not per request).
    const id = { [this.requestIdLogLabel]: request.id };
    if (!this.summaries) reply.log.info({ req: request, res: reply, responseTime }, 'request completed');
    else
      this.summaries.info(Object.assign(id, { req: request, res: reply, responseTime }), 'request completed');
  }
}
