import { manualClock, MANUAL_CLOCK_START } from '../../../tools/salesforce-sim';
import { type Session, useSession } from './helpers';

describe('salesforce-sim manual clock', () => {
  it('starts at a fixed instant and moves only when told to', () => {
    const clock = manualClock();
    expect(clock.now()).toBe(MANUAL_CLOCK_START);
    expect(new Date(clock.now()).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    clock.advance(1500);
    expect(clock.now()).toBe(MANUAL_CLOCK_START + 1500);
    clock.set(42);
    expect(clock.now()).toBe(42);
  });

  it('refuses to run backwards or to a value that is not a finite number', () => {
    const clock = manualClock(1000);
    expect(() => clock.advance(-1)).toThrow(/forward/);
    expect(() => clock.advance(Number.NaN)).toThrow(/finite/);
    expect(() => clock.set(Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(() => manualClock(Number.NaN)).toThrow(/finite/);
    expect(clock.now()).toBe(1000);
  });
});

describe('salesforce-sim record timestamps follow SimOptions.now', () => {
  // The session logs in at START; API tests set the clock back to START so its token stays valid.
  const START = Date.UTC(2027, 2, 4, 5, 6, 7, 890);
  const clock = manualClock(START);
  let s: Session;
  useSession(
    (started) => {
      s = started;
    },
    { now: clock.now },
  );

  it('stamps CreatedDate and LastModifiedDate on create, and only LastModifiedDate on update', async () => {
    clock.set(START);
    const created = await s.api<{ id: string }>('POST', '/sobjects/Lead', { LastName: 'T', Company: 'C' });
    expect(created.status).toBe(201);
    expect(s.sim.state.get('Lead', created.body.id)).toMatchObject({
      CreatedDate: '2027-03-04T05:06:07.890+0000',
      LastModifiedDate: '2027-03-04T05:06:07.890+0000',
    });
    clock.advance(60_000);
    expect((await s.api('PATCH', `/sobjects/Lead/${created.body.id}`, { City: 'Oslo' })).status).toBe(204);
    expect(s.sim.state.get('Lead', created.body.id)).toMatchObject({
      CreatedDate: '2027-03-04T05:06:07.890+0000',
      LastModifiedDate: '2027-03-04T05:07:07.890+0000',
    });
  });

  it('state.seed stamps the clock time unless the row sets its own dates', () => {
    clock.set(Date.UTC(2028, 0, 2));
    const stamped = s.sim.state.seed('Account', { Name: 'A' });
    expect(s.sim.state.get('Account', stamped)?.CreatedDate).toBe('2028-01-02T00:00:00.000+0000');
    const dated = s.sim.state.seed('Account', { Name: 'B', CreatedDate: '2020-05-06T07:08:09Z' });
    expect(s.sim.state.get('Account', dated)?.CreatedDate).toBe('2020-05-06T07:08:09.000+0000');
  });

  it('state.now() reads the same clock', () => {
    clock.set(123_456_789);
    expect(s.sim.state.now()).toBe(123_456_789);
  });
});
