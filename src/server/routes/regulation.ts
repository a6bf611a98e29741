/**
 * `POST /deleteUsers` (rudder-contract.md A.7): rudder-server's regulation worker asks to erase users. Each
 * request of the body is handled on its own, concurrently; the reply has one element per request, and its HTTP status
 * is the first element's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isContractError, toErrorObject } from '../../framework/errors';
import { isObject } from '../../framework/validate';
import { NON_DETERMINABLE } from '../delivery';
import { errorTags, parseJsonHeader } from '../inputs';
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
      statTags: { ...obj.statTags, ...errorTags(destType, 'userDeletion', undefined, NON_DETERMINABLE) },
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
  // JSON, whose object may carry an OAuth destination's secret.
  const rudderDestInfo = parseJsonHeader(request.headers['x-rudder-dest-info'], 'x-rudder-dest-info');
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
