/**
 * The replies the host gives itself, outside any route: fastify's own errors (parsing, size, schema) as a 4xx naming
 * the problem, a `HostError` with its status, anything else as a 500 (logged with its stack), and unknown routes.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { describeAjvErrors } from '../framework/validate';
import { HostError } from './inputs';

/** Turn fastify's own errors (parsing, size, schema) into a 4xx with a message naming the problem. */
export function clientError(
  error: FastifyError,
  bodyLimit: number,
): { status: number; message: string } | undefined {
  if (error.validation) {
    const context = error.validationContext ?? 'body';
    const details = describeAjvErrors(error.validation as Parameters<typeof describeAjvErrors>[0], context);
    return { status: 400, message: `Invalid request ${context}: ${details}` };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 400,
        message: `Request body too large: the limit is ${bodyLimit} bytes (BODY_LIMIT_BYTES); send smaller batches`,
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, message: 'Malformed JSON body: the body is empty' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: `Unsupported content type: send application/json` };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, message: 'Request body length does not match its Content-Length header' };
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { status: 400, message: `Malformed JSON body: ${error.message}` };
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, message: error.message };
  }
  return undefined;
}

/** The error and not-found handlers of the whole server (routes registered in plugins inherit them). */
export function installReplies(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HostError) {
      return reply.code(error.statusCode).send({ error: error.message });
    }
    const client = clientError(error, bodyLimit);
    if (client) {
      request.log.info({ status: client.status, reason: client.message }, 'request rejected');
      return reply.code(client.status).send({ error: client.message });
    }
    request.log.error({ err: error }, 'unexpected error while handling the request');
    return reply.code(500).send({ error: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `Route not found: ${request.method} ${request.url.split('?')[0]}` });
  });
}
