/** POST /services/oauth2/token: password, client_credentials, refresh_token and JWT bearer grants. */
import { createHmac } from 'node:crypto';
import type { SimState, UserEntry } from './state';
import type { SimClient } from './types';

export interface OAuthResponse {
  status: number;
  body: Record<string, string>;
}

const CREDENTIAL_PARAMS = [
  'grant_type',
  'username',
  'password',
  'client_id',
  'client_secret',
  'assertion',
  'refresh_token',
  'code',
  'code_verifier',
];

function oauthError(error: string, description: string): OAuthResponse {
  return { status: 400, body: { error, error_description: description } };
}

const AUTH_FAILURE = (): OAuthResponse => oauthError('invalid_grant', 'authentication failure');
const BAD_CLIENT_ID = (): OAuthResponse => oauthError('invalid_client_id', 'client identifier invalid');
const BAD_CLIENT_SECRET = (): OAuthResponse => oauthError('invalid_client', 'invalid client credentials');

function success(state: SimState, user: UserEntry, clientId: string | undefined): OAuthResponse {
  const accessToken = state.issueToken(user, clientId);
  const issuedAt = String(state.now());
  const id = `${state.url}/id/${state.orgId}/${user.userId}`;
  const secret =
    state.clients.find((c) => c.clientId === clientId)?.clientSecret ?? state.clients[0].clientSecret;
  const signature = createHmac('sha256', secret)
    .update(id + issuedAt)
    .digest('base64');
  return {
    status: 200,
    body: {
      access_token: accessToken,
      instance_url: state.url,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
      signature,
    },
  };
}

function decodeJwtPart(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(part)) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Client id/secret from the form body or an HTTP Basic Authorization header. */
function clientCredentials(
  form: URLSearchParams,
  authorization: string | undefined,
): { id?: string; secret?: string } {
  const id = form.get('client_id') ?? undefined;
  const secret = form.get('client_secret') ?? undefined;
  if (id === undefined && authorization && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return {
        id: decodeURIComponent(decoded.slice(0, colon)),
        secret: decodeURIComponent(decoded.slice(colon + 1)),
      };
  }
  return { id, secret };
}

/** What every grant reads: the form body and the client credentials (body or HTTP Basic). */
interface GrantInput {
  form: URLSearchParams;
  client: { id?: string; secret?: string };
  knownClient: SimClient | undefined;
}

/** Password and refresh grants check the client only when one is named, and its secret only when sent. */
function optionalClientError(input: GrantInput): OAuthResponse | undefined {
  const { client, knownClient } = input;
  if (client.id !== undefined && !knownClient) return BAD_CLIENT_ID();
  if (knownClient && client.secret !== undefined && client.secret !== knownClient.clientSecret) {
    return BAD_CLIENT_SECRET();
  }
  return undefined;
}

function passwordGrant(state: SimState, input: GrantInput): OAuthResponse {
  const clientError = optionalClientError(input);
  if (clientError) return clientError;
  const { form } = input;
  const user = state.users.find((u) => u.username === form.get('username'));
  if (!user || form.get('password') !== user.password + user.securityToken) return AUTH_FAILURE();
  return success(state, user, input.client.id);
}

function clientCredentialsGrant(state: SimState, input: GrantInput): OAuthResponse {
  if (!input.knownClient) return BAD_CLIENT_ID();
  if (input.client.secret !== input.knownClient.clientSecret) return BAD_CLIENT_SECRET();
  // The connected app's run-as (integration) user is the first configured user.
  return success(state, state.users[0], input.client.id);
}

function refreshTokenGrant(state: SimState, input: GrantInput): OAuthResponse {
  const clientError = optionalClientError(input);
  if (clientError) return clientError;
  const rt = input.form.get('refresh_token');
  const user = rt ? state.refreshTokenUser(rt) : undefined;
  if (!user) return oauthError('invalid_grant', 'expired access/refresh token');
  return success(state, user, input.client.id);
}

/** JWT bearer: the signature is not checked; `exp` (if present) must be ahead of the simulator clock. */
function jwtBearerGrant(state: SimState, input: GrantInput): OAuthResponse {
  const parts = (input.form.get('assertion') ?? '').split('.');
  const header = parts.length === 3 ? decodeJwtPart(parts[0]) : undefined;
  const payload = parts.length === 3 ? decodeJwtPart(parts[1]) : undefined;
  if (!header || !payload || parts[2] === '') return oauthError('invalid_grant', 'invalid assertion');
  if (typeof payload.exp === 'number' && payload.exp * 1000 < state.now()) {
    return oauthError('invalid_grant', 'invalid assertion');
  }
  const iss = typeof payload.iss === 'string' ? payload.iss : undefined;
  if (!iss || !state.clients.some((c) => c.clientId === iss)) return BAD_CLIENT_ID();
  const user = state.users.find((u) => u.username === payload.sub);
  if (!user) return oauthError('invalid_grant', "user hasn't approved this consumer");
  return success(state, user, iss);
}

const GRANTS: Record<string, (state: SimState, input: GrantInput) => OAuthResponse> = {
  password: passwordGrant,
  client_credentials: clientCredentialsGrant,
  refresh_token: refreshTokenGrant,
  'urn:ietf:params:oauth:grant-type:jwt-bearer': jwtBearerGrant,
};

export function handleToken(
  state: SimState,
  method: string,
  query: URLSearchParams,
  body: string,
  authorization: string | undefined,
): OAuthResponse {
  if (CREDENTIAL_PARAMS.some((p) => query.has(p))) {
    return oauthError(
      'invalid_request',
      'credentials and grant parameters must be sent in the form-encoded request body, not in the URL query string',
    );
  }
  if (method !== 'POST') return oauthError('invalid_request', 'must use HTTP POST');
  const form = new URLSearchParams(body);
  const grantType = form.get('grant_type') ?? '';
  const grant = Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType] : undefined;
  if (!grant) return oauthError('unsupported_grant_type', 'grant type not supported');
  const client = clientCredentials(form, authorization);
  const knownClient =
    client.id === undefined ? undefined : state.clients.find((c) => c.clientId === client.id);
  return grant(state, { form, client, knownClient });
}
