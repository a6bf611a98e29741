import nock from 'nock';

// Real network is disabled for every test; loopback stays open for the simulator and host end-to-end tests.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length > 0) {
    throw new Error(`Unused HTTP mocks (the code did not make these calls):\n  ${pending.join('\n  ')}`);
  }
});
