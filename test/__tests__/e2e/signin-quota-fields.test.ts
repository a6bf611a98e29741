/**
 * End to end against the simulator: the sign-in flows and their errors, the API quota guard's threshold and
 * recovery, and the unknown-field policies.
 */
import { generateKeyPairSync } from 'node:crypto';
import { manualClock } from '../helpers/clock';
import type { Simulator } from '../../../tools/salesforce-sim';
import { processAndDeliver } from '../../../bench/deliver';
import {
  byEmail,
  deliverRouterOutputs,
  freshDestination,
  identify,
  meteredCalls,
  simDestination,
  tokenCalls,
  useE2ESimulator,
} from './helpers';

const NO_PASSWORD = { userName: undefined, password: undefined, initialAccessToken: undefined };

describe('e2e: sign-in flows, quota guard, unknown fields', () => {
  let sim: Simulator;
  useE2ESimulator((started) => {
    sim = started;
  });

  const lead = (email: string) => ({
    jobId: 1,
    userId: 'u1',
    traits: { email, lastName: 'Flow', company: 'Acme' },
  });

  describe('sign-in', () => {
    it('client credentials against the My Domain (the simulator) writes the Lead', async () => {
      const dest = simDestination(sim, { ...NO_PASSWORD, authFlow: 'clientCredentials' });
      const status = await processAndDeliver(freshDestination(), identify(dest, lead('cc@acme.com')));
      expect(status.statusCode).toBe(200);
      expect(byEmail(sim, 'cc@acme.com')).toHaveLength(1);
      expect(tokenCalls(sim)).toBe(1);
    });

    it('client credentials with a wrong secret: aborted (400) with Salesforce reason, the secret nowhere', async () => {
      const dest = simDestination(sim, {
        ...NO_PASSWORD,
        authFlow: 'clientCredentials',
        clientSecret: 'wrong-secret-123',
      });
      const status = await processAndDeliver(freshDestination(), identify(dest, lead('cc@acme.com')));
      expect(status.statusCode).toBe(400);
      expect(status.error).toMatch(/authentication failed during fetching access token/);
      expect(status.error).not.toContain('wrong-secret-123');
      expect(Object.keys(meteredCalls(sim))).toHaveLength(0);
    });

    it('JWT bearer with a private key writes the Lead; an unknown user is refused (400)', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const ok = simDestination(sim, { password: undefined, initialAccessToken: undefined, privateKey: pem });
      expect(
        (await processAndDeliver(freshDestination(), identify(ok, lead('jwt@acme.com')))).statusCode,
      ).toBe(200);
      expect(byEmail(sim, 'jwt@acme.com')).toHaveLength(1);

      const stranger = simDestination(sim, {
        ...NO_PASSWORD,
        userName: 'nobody@example.com',
        privateKey: pem,
      });
      const refused = await processAndDeliver(freshDestination(), identify(stranger, lead('jwt2@acme.com')));
      expect(refused.statusCode).toBe(400);
      expect(refused.error).toMatch(/approved/);
    });

    it('a refused password is not retried against Salesforce for a while (no user lockout)', async () => {
      const dest = simDestination(sim, { password: 'not-the-password' });
      const sf = freshDestination();
      const first = await processAndDeliver(sf, identify(dest, lead('pw@acme.com')));
      const second = await processAndDeliver(sf, identify(dest, lead('pw@acme.com')));
      expect([first.statusCode, second.statusCode]).toEqual([400, 400]);
      expect(first.error).not.toContain('not-the-password');
      expect(tokenCalls(sim)).toBe(1);
    });
  });

  describe('quota guard', () => {
    it('holds calls back past the threshold, then lets a batch probe after the cool-down and recovers', async () => {
      const clock = manualClock();
      const sf = freshDestination({ clock: clock.now, env: { SALESFORCE_QUOTA_COOLDOWN_SECONDS: '60' } });
      const guard = sf.runtime.quota;
      const dest = simDestination(sim);

      // 96% used: the first batch still goes (nothing known yet) and learns the usage from the answers.
      sim.state.setApiUsage(96_000);
      const first = await sf.processRouterDest([identify(dest, lead('q1@acme.com'))]);
      expect(first[0].statusCode).toBe(200);
      expect(guard.latest(dest.ID)?.used).toBeGreaterThanOrEqual(96_000);

      // Past the threshold: throttled without a single call.
      sim.state.resetCounters();
      const held = await sf.processRouterDest([identify(dest, { ...lead('q2@acme.com'), jobId: 2 })]);
      expect(held[0]).toMatchObject({ statusCode: 429, error: expect.stringMatching(/quota guard/) });
      expect(sim.state.counters().total).toBe(0);

      // The window has freed calls; after the cool-down one batch probes and the guard learns the new usage.
      sim.state.setApiUsage(10_000);
      clock.advance(61_000);
      const probe = await sf.processRouterDest([identify(dest, { ...lead('q3@acme.com'), jobId: 3 })]);
      expect(probe[0].statusCode).toBe(200);
      expect(guard.latest(dest.ID)?.used).toBeLessThan(95_000);
      const after = await sf.processRouterDest([identify(dest, { ...lead('q4@acme.com'), jobId: 4 })]);
      expect(after[0].statusCode).toBe(200);
    });
  });

  describe('unknown fields', () => {
    const traits = {
      email: 'f@acme.com',
      lastName: 'Field',
      company: 'Acme',
      favouriteColour: 'teal',
      plan: 'pro',
    };

    it('drop: the record is written without the field, and the job status says which field was dropped', async () => {
      const dest = simDestination(sim, { unknownFieldPolicy: 'drop', writeMode: 'collections' });
      const sf = freshDestination();
      const outputs = await sf.processRouterDest([identify(dest, { jobId: 1, userId: 'u1', traits })]);
      const statuses = await deliverRouterOutputs(outputs, sf);
      expect(statuses.get(1)).toMatchObject({
        statusCode: 200,
        error: expect.stringContaining('Lead.favouriteColour__c'),
      });
      const [record] = byEmail(sim, 'f@acme.com');
      expect(record.plan__c).toBe('pro');
      expect(record).not.toHaveProperty('favouriteColour__c');
    });

    it('reject (default): only the job carrying the field fails, naming it; its neighbours are written', async () => {
      const dest = simDestination(sim, { writeMode: 'collections' });
      const sf = freshDestination({ env: { SALESFORCE_DESCRIBE_TTL_SECONDS: '60' } });
      const outputs = await sf.processRouterDest([
        identify(dest, { jobId: 1, userId: 'u1', traits }),
        identify(dest, {
          jobId: 2,
          userId: 'u2',
          traits: { email: 'ok@acme.com', lastName: 'Ok', company: 'Acme' },
        }),
      ]);
      const statuses = await deliverRouterOutputs(outputs, sf);
      expect(statuses.get(1)).toMatchObject({
        statusCode: 400,
        error: expect.stringMatching(/favouriteColour__c does not exist on Lead/),
      });
      expect(statuses.get(2)?.statusCode).toBe(200);
      expect(byEmail(sim, 'f@acme.com')).toHaveLength(0);
      expect(byEmail(sim, 'ok@acme.com')).toHaveLength(1);
    });
  });
});
