/**
 * One log line per request, written when it is answered: the same facts as fastify's two lines, the URL's secrets
 * masked, nothing at a level above info; and the lines of a failed request still carry its reason.
 */
import { useServer } from './harness';
import { SECRETS } from './fixtures';

const { start, inject } = useServer();

function capture(level: string): string[] {
  const lines: string[] = [];
  start({ log: { level, stream: { write: (line: string) => lines.push(line) } } });
  return lines;
}

describe('request log', () => {
  it('writes one line per request, when answered, with the request id, request, status and time', async () => {
    const lines = capture('info');
    await inject({ method: 'GET', url: '/health' });
    await inject({ method: 'GET', url: '/features' });
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => l.msg)).toEqual(['request completed', 'request completed']);
    expect(parsed[0]).toMatchObject({
      level: 30,
      reqId: expect.any(String),
      req: { method: 'GET', url: '/health' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(parsed[0].reqId).not.toBe(parsed[1].reqId);
  });

  it("masks secrets in the URL and never writes the request's headers", async () => {
    const lines = capture('info');
    await inject({
      method: 'GET',
      url: `/health?password=${SECRETS.password}&x=1`,
      headers: { authorization: `Bearer ${SECRETS.accessToken}` },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('password=[REDACTED]');
    expect(lines[0]).not.toContain(SECRETS.password);
    expect(lines[0]).not.toContain(SECRETS.accessToken);
  });

  it('writes nothing above info', async () => {
    const lines = capture('warn');
    await inject({ method: 'GET', url: '/health' });
    expect(lines).toEqual([]);
  });

  it('keeps the reason line of a rejected request', async () => {
    const lines = capture('info');
    await inject({
      method: 'POST',
      url: '/routerTransform',
      payload: '{bad',
      headers: { 'content-type': 'application/json' },
    });
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'request rejected',
      'request completed',
    ]);
  });
});
