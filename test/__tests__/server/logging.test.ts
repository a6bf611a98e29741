/**
 * Logs never carry a secret: every line the server writes while handling requests full of passwords, security
 * tokens, client secrets, access and refresh tokens is captured and searched for them.
 */
import './harness';
import nock from 'nock';
import type { FastifyInstance } from 'fastify';
import { buildServer, redactSecrets, REDACTED } from '../../../src/server';
import {
  destination,
  fakeHandlers,
  identify,
  INSTANCE,
  API,
  leadCreateDescriptor,
  meta,
  SECRETS,
} from './fixtures';

const SECRET_VALUES = Object.values(SECRETS);

function capture(): { lines: string[]; stream: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => lines.push(line) } };
}

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

async function exercise(server: FastifyInstance): Promise<void> {
  const dest = destination({
    privateKey: '-----BEGIN PRIVATE KEY-----MIIEvQIBADANBg-----END PRIVATE KEY-----',
  });
  const secret = {
    access_token: SECRETS.oauthAccessToken,
    refresh_token: SECRETS.refreshToken,
    instance_url: INSTANCE,
  };
  await server.inject({
    method: 'POST',
    url: '/routerTransform',
    headers: { 'oauth-secret': JSON.stringify(secret), authorization: `Bearer ${SECRETS.accessToken}` },
    payload: {
      destType: 'salesforce_oauth',
      input: [
        {
          message: identify('a@initech.com', { lastName: 'A', company: 'C' }),
          metadata: meta(1),
          destination: dest,
        },
        { message: { type: 'track' }, metadata: { ...meta(2), secret }, destination: dest },
      ],
    },
  });
  await server.inject({
    method: 'POST',
    url: '/v0/destinations/salesforce',
    payload: [
      {
        message: identify('b@initech.com', { lastName: 'B', company: 'C' }),
        metadata: meta(3),
        destination: dest,
      },
    ],
  });
  nock(INSTANCE)
    .post(`${API}/sobjects/Lead`)
    .reply(401, [
      {
        message: `Session expired or invalid: Bearer ${SECRETS.accessToken}`,
        errorCode: 'INVALID_SESSION_ID',
      },
    ]);
  await server.inject({
    method: 'POST',
    url: '/v1/destinations/salesforce/proxy',
    payload: {
      ...leadCreateDescriptor({ LastName: 'B' }),
      metadata: [{ ...meta(3), secret }],
      destinationConfig: dest.Config,
    },
  });
}

describe('log redaction', () => {
  it('writes no secret at trace level, where request bodies and errors are logged', async () => {
    const { lines, stream } = capture();
    app = buildServer({
      log: { level: 'trace', stream },
      handlers: {
        ...fakeHandlers().handlers,
        // An unexpected failure whose message carries a token: logged at error level.
        v0ResponseHandler: () => {
          throw new Error(
            `socket closed while sending password=${SECRETS.password}&client_secret=${SECRETS.clientSecret}`,
          );
        },
      },
    });
    await exercise(app);
    nock(INSTANCE).post(`${API}/sobjects/Lead`).reply(201, { id: '00Q', success: true, errors: [] });
    const failed = await app.inject({
      method: 'POST',
      url: '/v0/destinations/salesforce/proxy',
      payload: { ...leadCreateDescriptor({ LastName: 'C' }), metadata: meta(4) },
    });
    expect(failed.statusCode).toBe(500);

    const all = lines.join('');
    // The capture saw the bodies and the error: the check below is not vacuous.
    expect(lines.filter((l) => l.includes('"msg":"request body"'))).toHaveLength(4);
    expect(all).toContain('socket closed while sending');
    expect(all).toContain(REDACTED);
    expect(all).toContain('a@initech.com');
    for (const value of SECRET_VALUES) expect(all).not.toContain(value);
    expect(all).not.toContain('BEGIN PRIVATE KEY');
  });

  it('does not log request bodies at info level', async () => {
    const { lines, stream } = capture();
    app = buildServer({ log: { level: 'info', stream }, handlers: fakeHandlers().handlers });
    await exercise(app);
    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(0);
    expect(all).toContain('"msg":"request completed"');
    expect(all).not.toContain('request body');
    expect(all).not.toContain('initech.com');
    for (const value of SECRET_VALUES) expect(all).not.toContain(value);
  });
});

describe('redactSecrets', () => {
  it('replaces secret keys at any depth and secret fragments inside strings', () => {
    const input = {
      destination: {
        Config: { password: 'p', initialAccessToken: 't', clientSecret: 'c', privateKey: 'k', userName: 'u' },
      },
      metadata: [{ jobId: 1, secret: { access_token: 'a' } }],
      headers: { Authorization: 'Bearer abc', 'Content-Type': 'application/json' },
      note: 'POST body grant_type=password&password=hunter2&client_id=x',
      error: 'rejected header Authorization: Bearer 00D5g000004Xyz1!AQ8AQHz',
    };
    expect(redactSecrets(input)).toEqual({
      destination: {
        Config: {
          password: REDACTED,
          initialAccessToken: REDACTED,
          clientSecret: REDACTED,
          privateKey: REDACTED,
          userName: 'u',
        },
      },
      metadata: [{ jobId: 1, secret: REDACTED }],
      headers: { Authorization: REDACTED, 'Content-Type': 'application/json' },
      note: `POST body grant_type=password&password=${REDACTED}&client_id=x`,
      error: `rejected header Authorization: Bearer ${REDACTED}`,
    });
    expect(input.destination.Config.password).toBe('p');
  });

  it('cuts long arrays and leaves non-plain objects to their serializers', () => {
    const long = Array.from({ length: 30 }, (_, i) => i);
    expect(redactSecrets(long)).toEqual([...long.slice(0, 25), '…5 more items']);
    const date = new Date(0);
    expect(redactSecrets({ at: date })).toEqual({ at: date });
  });
});
