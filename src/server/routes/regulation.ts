/**
 * `POST /deleteUsers` (rudder-contract.md A.7): rudder-server's regulation worker asks to erase users. Each
 * request of the body is handled on its own, concurrently; the reply has one element per request, and its HTTP status
 * is the first element's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isContractError, toErrorObject } from '../../framework/errors';
import { isObject } from '../../framework/validate';
import { HostError, errorTags } from '../inputs';
import { unexpectedSink, type RouteContext, type RoutePluginOptions } from './context';
import { DeleteUsersBody } from './schemas';

type Element =
  | { statusCode: 200; status: 'successful' }
  | {
      statusCode: number;
      error: string;
      statTags?: Record<string, string | undefined>;
      authErrorCategory?: string;
    };

/** The `x-rudder-dest-info` header: JSON, whose object may carry an OAuth destination's secret. */
function destInfoOf(header: string | string[] | undefined): unknown {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    // The header carries a secret: never echo it.
    throw new HostError(400, 'The x-rudder-dest-info header is not valid JSON');
  }
}

async function deleteOne(
  context: RouteContext,
  raw: unknown,
  rudderDestInfo: unknown,
  request: FastifyRequest,
): Promise<Element> {
  const destType = isObject(raw) && typeof raw.destType === 'string' ? raw.destType : '';
  const handlers = context.registry.resolve(destType);
  if (!handlers)
    return { statusCode: 404, error: `${destType || 'unknown'}: Doesn't support deletion of users` };
  try {
    return await handlers.deleteUsers(isObject(raw) ? { ...raw, rudderDestInfo } : raw);
  } catch (error) {
    if (!isContractError(error)) unexpectedSink(request.log)(error, 'deleteUsers');
    const obj = toErrorObject(error, {}, false);
    const element: Element = {
      statusCode: obj.status,
      error: obj.message,
      statTags: { ...obj.statTags, ...errorTags(destType, 'userDeletion', undefined, 'Non-determininable') },
    };
    if (obj.authErrorCategory) element.authErrorCategory = obj.authErrorCategory;
    return element;
  }
}

async function deleteUsersRoute(
  context: RouteContext,
  request: FastifyRequest<{ Body: unknown[] }>,
  reply: FastifyReply,
) {
  const rudderDestInfo = destInfoOf(request.headers['x-rudder-dest-info']);
  const elements = await Promise.all(
    request.body.map((raw) => deleteOne(context, raw, rudderDestInfo, request)),
  );
  return reply.code(elements[0]?.statusCode ?? 200).send(elements);
}

export async function regulationRoutes(app: FastifyInstance, { context }: RoutePluginOptions): Promise<void> {
  app.post<{ Body: unknown[] }>('/deleteUsers', { schema: { body: DeleteUsersBody } }, (request, reply) =>
    deleteUsersRoute(context, request, reply),
  );
}
