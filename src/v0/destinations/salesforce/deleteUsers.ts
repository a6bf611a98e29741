/**
 * User deletion (`POST /deleteUsers`, spec rudder-contract.md A.7): rudder-server's regulation worker asks to erase a
 * user's data. The Leads and Contacts whose Email is one of the users' addresses are deleted (`deleteUsersMode:
 * delete`, the default) or their mapped fields blanked (`anonymize`). Batched: one lookup per object for all the
 * request's users, one call per 200 records. Records already gone count as deleted. A failure names the users and
 * records it concerns, with the worst record's classification (retried or aborted).
 */
import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { AbortedError, BaseError, PlatformError, RetryableError } from '../../../framework/errors';
import type { Destination } from '../../../framework/types';
import { ajv, describeAjvErrors, isObject } from '../../../framework/validate';
import {
  fieldOf,
  settleQueries,
  type InstanceRequest,
  type SalesforceClient,
  type SessionContext,
  type SObjectRecord,
} from './client';
import { MAX_RECORDS_PER_COLLECTION } from './config';
import { emailProblem } from './email';
import { classifyRecordErrors, type Classification } from './errorHandler';
import { CONTACT_MAPPING, LEAD_MAPPING } from './payload';
import {
  bindHost as bindHostRuntime,
  defaultRuntime,
  type HostRequire,
  type SalesforceRuntime,
} from './runtime';
import { buildMatchQueries } from './soql';

const DeleteUsersRequestSchema = Type.Object(
  {
    jobId: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    destType: Type.String(),
    config: Type.Record(Type.String(), Type.Unknown()),
    userAttributes: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    rudderDestInfo: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);
export type DeleteUsersRequest = Static<typeof DeleteUsersRequestSchema>;
const isRequest = ajv.compile<DeleteUsersRequest>(DeleteUsersRequestSchema);

export interface DeleteUsersSuccess {
  statusCode: 200;
  status: 'successful';
}

const OBJECTS = ['Lead', 'Contact'] as const;
type PersonObject = (typeof OBJECTS)[number];
const MAPPED_FIELDS: Record<PersonObject, string[]> = {
  Lead: LEAD_MAPPING.map((e) => e.destKey),
  Contact: CONTACT_MAPPING.map((e) => e.destKey),
};
/** Required fields keep a value when blanked (Salesforce refuses them empty). */
const REQUIRED: Record<string, string> = { LastName: 'Anonymized', Company: 'Anonymized' };

interface Found {
  object: PersonObject;
  record: SObjectRecord;
}

/**
 * A deletion request names no destination id, but the describe cache and the quota guard are kept per destination id:
 * the org the request reaches stands in for it, so two orgs never share field descriptions or API usage. The id is a
 * digest of what identifies the org (the host token's instance URL, or the login host and user), never of a secret.
 */
function orgIdOf(request: DeleteUsersRequest, secret: unknown): string {
  const { config } = request;
  const identity = [
    request.destType.toLowerCase(),
    isObject(secret) ? secret.instance_url : undefined,
    config.loginUrl,
    config.sandbox,
    config.userName,
    config.clientId,
  ];
  const digest = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
  return `user-deletion:${request.destType.toLowerCase()}:${digest}`;
}

function contextOf(request: DeleteUsersRequest, runtime: SalesforceRuntime): SessionContext {
  const secret = isObject(request.rudderDestInfo) ? request.rudderDestInfo.secret : undefined;
  const destination: Destination = {
    ID: orgIdOf(request, secret),
    Config: request.config,
    DestinationDefinition: { Name: request.destType.toUpperCase() },
  };
  return {
    destination,
    metadata: secret === undefined ? {} : { secret },
    config: runtime.config(destination),
  };
}

/** The users' addresses Salesforce can hold (an address it would refuse cannot be on any record). */
function emailsOf(request: DeleteUsersRequest): string[] {
  const emails = request.userAttributes.map((u) => (typeof u.email === 'string' ? u.email.trim() : ''));
  return [...new Set(emails.filter((e) => e && !emailProblem(e)))];
}

async function findRecords(
  client: SalesforceClient,
  ctx: SessionContext,
  emails: string[],
): Promise<Found[]> {
  const planned = OBJECTS.flatMap((object) =>
    buildMatchQueries(
      object,
      ['Id', 'Email'],
      ['Email'],
      'and',
      emails.map((e) => [e]),
    ).map(({ soql }) => ({ object, soql, suffix: ':- during user deletion lookup' })),
  );
  // The Lead and Contact lookups go together: one Composite request (one API call).
  const settled = await settleQueries(client, ctx, planned);
  return settled.flatMap((outcome, i) => {
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value.map((record) => ({ object: planned[i].object, record }));
  });
}

/** The body that blanks a record's mapped fields (those describe says exist and can be written). */
async function blanked(client: SalesforceClient, ctx: SessionContext, { object, record }: Found) {
  const description = await client.describe?.(ctx, object);
  const body: Record<string, unknown> = { attributes: { type: object }, id: record.Id };
  for (const name of MAPPED_FIELDS[object]) {
    const field = description && fieldOf(description, name);
    if (!field || !field.updateable) continue;
    const value = REQUIRED[field.name] ?? (field.nillable ? null : undefined);
    if (value !== undefined) body[field.name] = value;
  }
  return body;
}

const ERASE_SUFFIX = ':- during user deletion';

/** The call that deletes or blanks a chunk of records (`deleteUsersMode`). */
async function eraseRequest(
  client: SalesforceClient,
  ctx: SessionContext,
  chunk: Found[],
): Promise<InstanceRequest> {
  const call = { endpoint: 'user-deletion', suffix: ERASE_SUFFIX };
  if (ctx.config.deleteUsersMode !== 'anonymize') {
    const ids = chunk.map((f) => f.record.Id).join(',');
    return { ...call, method: 'DELETE', path: `/composite/sobjects?ids=${ids}&allOrNone=false` };
  }
  const records = await Promise.all(chunk.map((f) => blanked(client, ctx, f)));
  return { ...call, method: 'PATCH', path: '/composite/sobjects', body: { allOrNone: false, records } };
}

/** Delete or blank the records, 200 per call; each record's failure, classified. */
async function eraseRecords(
  client: SalesforceClient,
  ctx: SessionContext,
  found: Found[],
): Promise<{ found: Found; classification: Classification }[]> {
  const write = client.write?.bind(client);
  if (!write)
    throw new PlatformError('This Salesforce client cannot write: user deletion needs the HTTP client');
  const failures: { found: Found; classification: Classification }[] = [];
  for (let i = 0; i < found.length; i += MAX_RECORDS_PER_COLLECTION) {
    const chunk = found.slice(i, i + MAX_RECORDS_PER_COLLECTION);
    const response = await write(ctx, await eraseRequest(client, ctx, chunk));
    const results = Array.isArray(response.response) ? response.response : [];
    chunk.forEach((f, k) => {
      const result = results[k] as { success?: unknown; errors?: unknown } | undefined;
      if (result?.success === true) return;
      const classification = classifyRecordErrors(
        result?.errors ?? 'no result for this record',
        ERASE_SUFFIX,
      );
      // A record already deleted is what was asked for.
      if (classification.errorCode !== 'ENTITY_IS_DELETED') failures.push({ found: f, classification });
    });
  }
  return failures;
}

function failureError(failures: { found: Found; classification: Classification }[], total: number): Error {
  const lines = failures.map(({ found, classification }) => {
    const email = String(found.record.Email ?? '');
    return `${found.object} ${found.record.Id} (${email}): ${classification.message}`;
  });
  const message = `User deletion: ${failures.length} of ${total} records could not be erased: ${lines.join('; ')}`;
  const retry = failures.some((f) => f.classification.outcome !== 'aborted');
  return retry ? new RetryableError(message) : new AbortedError(message);
}

/**
 * rudder-server's regulation worker refreshes a host-owned token when a deletion answers 401 with REFRESH_TOKEN
 * (rudder-contract.md A.7); transforms and deliveries report the same refusal as 500.
 */
function forRegulation(error: unknown): unknown {
  if (error instanceof BaseError && error.authErrorCategory === 'REFRESH_TOKEN' && error.status !== 401)
    return new RetryableError(error.message, 401, error.destinationResponse, 'REFRESH_TOKEN');
  return error;
}

/** One user deletion request, on a runtime. */
export async function deleteUsers(request: unknown, runtime: SalesforceRuntime): Promise<DeleteUsersSuccess> {
  try {
    return await eraseUsers(request, runtime);
  } catch (error) {
    throw forRegulation(error);
  }
}

async function eraseUsers(request: unknown, runtime: SalesforceRuntime): Promise<DeleteUsersSuccess> {
  if (!isRequest(request)) {
    throw new PlatformError(
      `Invalid user deletion request: ${describeAjvErrors(isRequest.errors ?? [], 'request')}`,
    );
  }
  const ctx = contextOf(request, runtime);
  const emails = emailsOf(request);
  if (emails.length === 0) return { statusCode: 200, status: 'successful' };
  const { client } = runtime;
  client.beforeSpending?.(ctx);
  const found = await findRecords(client, ctx, emails);
  const failures = await eraseRecords(client, ctx, found);
  if (failures.length) throw failureError(failures, found.length);
  return { statusCode: 200, status: 'successful' };
}

/** The regulation handler rudder-transformer loads (`deleteUsers.js`): each request on the default runtime. */
export async function processDeleteUsers(request: unknown): Promise<DeleteUsersSuccess> {
  const runtime = defaultRuntime();
  try {
    return await deleteUsers(request, runtime);
  } catch (error) {
    throw runtime.forHost(error);
  }
}

/** For a host that loads the built destination with its own axios and integrations library (rudder-transformer). */
export function bindHost(hostRequire: HostRequire) {
  bindHostRuntime(hostRequire);
  return { processDeleteUsers };
}
