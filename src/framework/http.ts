/**
 * The one HTTP client: an axios instance with timeouts and keep-alive agents, and the response normalisation of
 * spec A.5.2 (`processAxiosResponse`), so network handlers see `{status, response, headers}` whatever happened,
 * including timeouts and resets.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import type { ProcessedResponse, RequestDescriptor } from './types';
import { payloadOf } from './descriptors';
import { envPositiveNumber } from './env';

/** Per-request timeout; rudder-server's proxy timeout header (`RdProxy-Timeout`) may lower it per request. */
export const REQUEST_TIMEOUT_MS = envPositiveNumber('REQUEST_TIMEOUT_IN_MS', 60_000);

export const httpClient: AxiosInstance = axios.create({
  timeout: REQUEST_TIMEOUT_MS,
  httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
  maxRedirects: 5,
  // Every status is an answer to classify, not an exception.
  validateStatus: () => true,
  // Parse JSON when we can, keep the raw text when we cannot (malformed bodies are classified, not thrown).
  transformResponse: [
    (data: unknown) => {
      if (typeof data !== 'string' || data === '') return data;
      try {
        return JSON.parse(data) as unknown;
      } catch {
        return data;
      }
    },
  ],
});

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

function headersOf(response: AxiosResponse): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(response.headers ?? {})) {
    if (typeof value === 'string') out[key.toLowerCase()] = value;
    else if (Array.isArray(value)) out[key.toLowerCase()] = value.join(', ');
    else if (typeof value === 'number') out[key.toLowerCase()] = String(value);
  }
  return Object.keys(out).length ? out : undefined;
}

export function processResponse(response: AxiosResponse): ProcessedResponse {
  const processed: ProcessedResponse = { status: response.status || 500, response: response.data ?? '' };
  const headers = headersOf(response);
  if (headers) processed.headers = headers;
  return processed;
}

/** A failure without an HTTP answer (timeout, reset, refused) as a processed response. */
export function processNetworkError(error: unknown): ProcessedResponse {
  if (error instanceof AxiosError && error.response) return processResponse(error.response);
  const code = (error as { code?: unknown })?.code;
  const text = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string') {
    return { status: RETRYABLE_CODES.has(code) ? 500 : 400, response: `[${code}] :: ${text}` };
  }
  return { status: 500, response: `[NETWORK] :: ${text}` };
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: unknown;
  timeoutMs?: number;
}

/** Send one request and normalise the outcome; never throws. */
export async function send(request: HttpRequest): Promise<ProcessedResponse> {
  try {
    const response = await httpClient.request({
      method: request.method,
      url: request.url,
      headers: request.headers,
      params: request.params,
      data: request.data,
      timeout: request.timeoutMs ?? REQUEST_TIMEOUT_MS,
    });
    return processResponse(response);
  } catch (error) {
    return processNetworkError(error);
  }
}

/** Send a request descriptor the way the transformer proxy does (spec A.5.2 `prepareProxyRequest`). */
export function sendDescriptor(
  descriptor: RequestDescriptor,
  timeoutMs?: number,
): Promise<ProcessedResponse> {
  const params = descriptor.params && Object.keys(descriptor.params).length ? descriptor.params : undefined;
  const form = descriptor.body.FORM;
  const hasForm = form && typeof form === 'object' && Object.keys(form).length > 0;
  return send({
    method: descriptor.method,
    url: descriptor.endpoint,
    headers: { ...descriptor.headers, 'User-Agent': 'RudderLabs' },
    params,
    data: hasForm ? new URLSearchParams(form as Record<string, string>).toString() : payloadOf(descriptor),
    timeoutMs,
  });
}
