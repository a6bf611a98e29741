/**
 * The host redacts every config key the destination declares secret (SECRET_CONFIG_KEYS of its public API), not a
 * copy of that list: here the destination declares one more key than today, and the host's logs must hide it.
 */
import './harness';
import * as destinationApi from '../../../src/v0/destinations/salesforce/index';
import { buildServer, redactSecrets, REDACTED } from '../../../src/server';
import { destination, fakeHandlers, identify, meta } from './fixtures';

/** A secret config key only the destination knows about (the host's own list has no such name). */
const NEW_SECRET_KEY = 'signingKeyPem';
const NEW_SECRET_VALUE = 'SigningKeyPem-4c1d9e-value';

jest.mock('../../../src/v0/destinations/salesforce/index', () => {
  const real = jest.requireActual<typeof destinationApi>('../../../src/v0/destinations/salesforce/index');
  return { ...real, SECRET_CONFIG_KEYS: [...real.SECRET_CONFIG_KEYS, 'signingKeyPem'] };
});

describe("redaction follows the destination's SECRET_CONFIG_KEYS", () => {
  it('redacts a key the destination declares secret, wherever it appears', () => {
    expect(destinationApi.SECRET_CONFIG_KEYS).toContain(NEW_SECRET_KEY);
    const redacted = redactSecrets({
      destination: { Config: { [NEW_SECRET_KEY]: NEW_SECRET_VALUE, userName: 'u' } },
      nested: [{ deeper: { [NEW_SECRET_KEY]: NEW_SECRET_VALUE } }],
      form: `grant_type=jwt&${NEW_SECRET_KEY}=${NEW_SECRET_VALUE}`,
    });
    expect(redacted).toEqual({
      destination: { Config: { [NEW_SECRET_KEY]: REDACTED, userName: 'u' } },
      nested: [{ deeper: { [NEW_SECRET_KEY]: REDACTED } }],
      form: `grant_type=jwt&${NEW_SECRET_KEY}=${REDACTED}`,
    });
  });

  it('keeps it out of the request logs', async () => {
    const lines: string[] = [];
    const app = buildServer({
      log: { level: 'trace', stream: { write: (line: string) => lines.push(line) } },
      handlers: fakeHandlers().handlers,
    });
    try {
      const dest = destination({ [NEW_SECRET_KEY]: NEW_SECRET_VALUE });
      const res = await app.inject({
        method: 'POST',
        url: '/routerTransform',
        payload: {
          destType: 'salesforce',
          input: [{ message: identify('k@initech.com'), metadata: meta(1), destination: dest }],
        },
      });
      expect(res.statusCode).toBe(200);
    } finally {
      await app.close();
    }
    const bodyLines = lines.filter((l) => l.includes('"msg":"request body"'));
    expect(bodyLines).toHaveLength(1);
    expect(bodyLines[0]).toContain(`"${NEW_SECRET_KEY}":"${REDACTED}"`);
    expect(lines.join('')).not.toContain(NEW_SECRET_VALUE);
  });
});
