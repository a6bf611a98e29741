/**
 * The HTTP transport: requests go through an axios-like client, by default the `axios` package's default export, so
 * a host's axios mocks, interceptors and metrics see them (rudder-transformer's component tests mock the default
 * axios). Each request carries our own keep-alive agents, timeout and response handling; the outcome is normalised as
 * in rudder-contract.md A.5.2 (`processAxiosResponse`), so callers see `{status, response, headers}` whatever happened, including
 * timeouts and resets. Sending never throws.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { ProcessedResponse, RequestDescriptor } from './types';
import { payloadOf } from './descriptors';

/** What the transport needs of axios: its `request` method. A host passes its own copy or instance. */
export interface AxiosLike {
  request(config: AxiosRequestConfig): Promise<Pick<AxiosResponse, 'status' | 'data' | 'headers'>>;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: unknown;
  timeoutMs?: number;
}

/** Sends one request and normalises the outcome; never throws. */
export type HttpTransport = (request: HttpRequest) => Promise<ProcessedResponse>;

/** Node system error codes that mean "try again" (500) versus "this will not work" (400), as the reference. */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EPIPE',
  'ERR_BAD_RESPONSE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function headersOf(response: Pick<AxiosResponse, 'headers'>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(response.headers ?? {})) {
    if (typeof value === 'string') out[key.toLowerCase()] = value;
    else if (Array.isArray(value)) out[key.toLowerCase()] = value.join(', ');
    else if (typeof value === 'number') out[key.toLowerCase()] = String(value);
  }
  return Object.keys(out).length ? out : undefined;
}

function processResponse(response: Pick<AxiosResponse, 'status' | 'data' | 'headers'>): ProcessedResponse {
  const processed: ProcessedResponse = { status: response.status || 500, response: response.data ?? '' };
  const headers = headersOf(response);
  if (headers) processed.headers = headers;
  return processed;
}

/** A failure without an HTTP answer (timeout, reset, refused) as a processed response. */
function processNetworkError(error: unknown): ProcessedResponse {
  if (error instanceof AxiosError && error.response) return processResponse(error.response);
  const code = (error as { code?: unknown })?.code;
  const text = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string') {
    return { status: RETRYABLE_CODES.has(code) ? 500 : 400, response: `[${code}] :: ${text}` };
  }
  return { status: 500, response: `[NETWORK] :: ${text}` };
}

/** Parse JSON when we can, keep the raw text when we cannot (malformed bodies are classified, not thrown). */
function parseBody(data: unknown): unknown {
  if (typeof data !== 'string' || data === '') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

export interface TransportOptions {
  /** The client requests go through; default the `axios` package's default export. */
  axios?: AxiosLike;
  /** Per-request timeout when the request gives none. */
  timeoutMs: number;
}

export function createHttpTransport(options: TransportOptions): HttpTransport {
  const client = options.axios ?? axios;
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  return async (request) => {
    try {
      const response = await client.request({
        method: request.method,
        url: request.url,
        headers: request.headers,
        params: request.params,
        data: request.data,
        timeout: request.timeoutMs ?? options.timeoutMs,
        httpAgent,
        httpsAgent,
        maxRedirects: 5,
        // Every status is an answer to classify, not an exception.
        validateStatus: () => true,
        transformResponse: [parseBody],
      });
      return processResponse(response);
    } catch (error) {
      return processNetworkError(error);
    }
  };
}

/** A request descriptor as the transformer proxy sends it (rudder-contract.md A.5.2 `prepareProxyRequest`). */
export function descriptorRequest(descriptor: RequestDescriptor, timeoutMs?: number): HttpRequest {
  const params = descriptor.params && Object.keys(descriptor.params).length ? descriptor.params : undefined;
  const form = descriptor.body.FORM;
  const hasForm = form && typeof form === 'object' && Object.keys(form).length > 0;
  return {
    method: descriptor.method,
    url: descriptor.endpoint,
    headers: { ...descriptor.headers, 'User-Agent': 'RudderLabs' },
    params,
    data: hasForm ? new URLSearchParams(form as Record<string, string>).toString() : payloadOf(descriptor),
    timeoutMs,
  };
}
