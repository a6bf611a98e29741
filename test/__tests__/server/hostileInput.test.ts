/**
 * Input built to break the host: nesting deep enough to overflow any recursive reader (5,000 and 200,000 levels, in
 * traits, in a destination Config, in metadata, in a proxy body). The event carrying it gets its own 400 naming the
 * path; every other event of the request succeeds; no request ends in a 500. Bodies are written as JSON text: the
 * test itself must not recurse over them either.
 */
import { useServer } from './harness';
import { routerSuccess } from '../../../src/framework/descriptors';
import type { Metadata, RouterInput } from '../../../src/framework/types';
import { createRuntime } from '../../../src/v0/destinations/salesforce/index';
import { redactSecrets, REDACTED } from '../../../src/server';
import { destination, echoed, fakeHandlers, identify, leadCreateDescriptor, meta } from './fixtures';

const { start, inject } = useServer();

const postText = (url: string, payload: string) =>
  inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });

/** An array nested `depth` levels deep, as JSON text. */
const deepArray = (depth: number) => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;

/** The path `shapeProblem` names for a deep array found at `path`, `level` levels below the event: depth 64. */
const deepPath = (path: string, level: number) => `${path}${'[0]'.repeat(64 - level)}`;
const TOO_DEEP = 'is nested more than 64 levels deep; flatten it (no event needs that depth)';

const good = {
  message: identify('ok@initech.com', { lastName: 'Ok', company: 'C' }),
  metadata: meta(2),
  destination: destination(),
};
const goodDescriptor = leadCreateDescriptor({ Company: 'C', Email: 'ok@initech.com', LastName: 'Ok' });

/** Event 1 with `title` replaced by the deep array (JSON text). */
function deepTitleEvent(depth: number): string {
  const message = JSON.stringify(identify('deep@initech.com', { title: '@' })).replace(
    '"@"',
    deepArray(depth),
  );
  return `{"message":${message},"metadata":${JSON.stringify(meta(1))},"destination":${JSON.stringify(destination())}}`;
}

const routerBody = (...inputs: string[]) => `{"destType":"salesforce","input":[${inputs.join(',')}]}`;
const processorBody = (...events: string[]) => `[${events.join(',')}]`;

type Element = Record<string, unknown>;

describe.each([5_000, 200_000])('an array nested %i levels deep', (depth) => {
  it('in traits: /routerTransform answers that event alone with a 400 naming the path', async () => {
    start(fakeHandlers());
    const res = await postText('/routerTransform', routerBody(deepTitleEvent(depth), JSON.stringify(good)));
    expect(res.statusCode).toBe(200);
    expect((res.json() as { output: Element[] }).output).toEqual([
      {
        metadata: [{ ...meta(1), destInfo: {} }],
        batched: false,
        statusCode: 400,
        error: `Invalid event: ${deepPath('input[0].message.traits.title', 3)} ${TOO_DEEP}`,
        statTags: { errorCategory: 'dataValidation', errorType: 'instrumentation' },
      },
      {
        batchedRequest: goodDescriptor,
        metadata: [{ ...meta(2), destInfo: { authKey: 'dest-1' } }],
        batched: false,
        statusCode: 200,
        destination: echoed(good.destination),
      },
    ]);
  });

  it('in traits: /v0/destinations/salesforce answers that event alone with a 400 naming the path', async () => {
    start(fakeHandlers());
    const res = await postText(
      '/v0/destinations/salesforce',
      processorBody(deepTitleEvent(depth), JSON.stringify(good)),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      {
        metadata: meta(1),
        statusCode: 400,
        error: `Invalid event: ${deepPath('body[0].message.traits.title', 3)} ${TOO_DEEP}`,
        statTags: {
          errorCategory: 'dataValidation',
          errorType: 'instrumentation',
          destType: 'SALESFORCE',
          module: 'destination',
          implementation: 'native',
          feature: 'processor',
          destinationId: 'dest-1',
          workspaceId: 'ws-1',
        },
      },
      { output: { ...goodDescriptor, userId: '' }, metadata: meta(2), statusCode: 200 },
    ]);
  });

  it('in destination.Config: a per-event configuration error on both routes, never a 500', async () => {
    start(fakeHandlers());
    // Two copies of one deep destination (same ID), as the uncompacted form sends them, then a good event.
    const deepDestination = `{"ID":"dest-deep","Config":{"x":${deepArray(depth)}},"DestinationDefinition":{"Name":"SALESFORCE"}}`;
    const deepConfigEvent = (jobId: number) =>
      `{"message":${JSON.stringify(identify(`c${jobId}@initech.com`))},"metadata":${JSON.stringify(meta(jobId))},"destination":${deepDestination}}`;
    const expectedError = (root: string) =>
      `Invalid destination: ${deepPath(`${root}.destination.Config.x`, 3)} ${TOO_DEEP}`;

    const router = await postText(
      '/routerTransform',
      routerBody(deepConfigEvent(1), deepConfigEvent(3), JSON.stringify(good)),
    );
    expect(router.statusCode).toBe(200);
    const output = (router.json() as { output: Element[] }).output;
    expect(output.map((e) => [e.statusCode, e.error])).toEqual([
      [400, expectedError('input[0]')],
      [400, expectedError('input[1]')],
      [200, undefined],
    ]);
    expect(output[0].statTags).toEqual({ errorCategory: 'dataValidation', errorType: 'configuration' });
    expect(output[2].batchedRequest).toEqual(goodDescriptor);

    const processor = await postText(
      '/v0/destinations/salesforce',
      processorBody(deepConfigEvent(1), JSON.stringify(good)),
    );
    expect(processor.statusCode).toBe(200);
    const elements = processor.json() as Element[];
    expect(elements.map((e) => [e.statusCode, e.error])).toEqual([
      [400, expectedError('body[0]')],
      [200, undefined],
    ]);
    expect(elements[1].output).toEqual({ ...goodDescriptor, userId: '' });
  });

  it('in metadata: the error element echoes what can be echoed (job id, user id...), not the deep value', async () => {
    start(fakeHandlers());
    const event = `{"message":${JSON.stringify(identify('m@initech.com'))},"metadata":${JSON.stringify(meta(1)).replace('{', `{"trace":${deepArray(depth)},`)},"destination":${JSON.stringify(destination())}}`;
    const res = await postText('/routerTransform', routerBody(event, JSON.stringify(good)));
    expect(res.statusCode).toBe(200);
    const [bad, ok] = (res.json() as { output: Element[] }).output;
    expect(bad).toEqual({
      metadata: [{ ...meta(1), destInfo: {} }],
      batched: false,
      statusCode: 400,
      error: `Invalid transform input: ${deepPath('input[0].metadata.trace', 2)} ${TOO_DEEP}`,
      statTags: { errorCategory: 'platform' },
    });
    expect(ok.statusCode).toBe(200);
  });

  it.each(['v0', 'v1'])('in a proxy %s body: HTTP 400 naming the path, nothing sent', async (version) => {
    start();
    const metadata = version === 'v0' ? JSON.stringify(meta(1)) : JSON.stringify([meta(1)]);
    const descriptor = JSON.stringify({ ...leadCreateDescriptor({ Title: '@' }), metadata });
    const body = descriptor.replace('"@"', deepArray(depth)).replace(JSON.stringify(metadata), metadata);
    const res = await postText(`/${version}/destinations/salesforce/proxy`, body);
    expect(res.statusCode).toBe(400);
    const message = `Invalid request body: ${deepPath('body.body.JSON.Title', 3)} ${TOO_DEEP}`;
    const statTags = {
      errorCategory: 'platform',
      destType: 'SALESFORCE',
      module: 'destination',
      implementation: 'native',
      feature: 'dataDelivery',
      destinationId: 'dest-1',
      workspaceId: 'ws-1',
    };
    expect((res.json() as { output: unknown }).output).toEqual(
      version === 'v0'
        ? { status: 400, message, destinationResponse: '', statTags }
        : {
            status: 400,
            message,
            statTags,
            response: [{ statusCode: 400, error: message, metadata: meta(1) }],
          },
    );
  });
});

describe('the host refuses deep input on its own', () => {
  /** A destination that trusts its input: it echoes the traits into the request, as a naive one might. */
  function trustingHandlers() {
    const seen: unknown[] = [];
    const transform = {
      runtime: createRuntime(),
      process: async (event: RouterInput) => {
        seen.push(event.metadata?.jobId);
        return [{ ...goodDescriptor, body: { JSON: { traits: event.message.traits } } }];
      },
      processRouterDest: async (inputs: RouterInput[]) =>
        inputs.map((input) => {
          seen.push(input.metadata?.jobId);
          const request = { ...goodDescriptor, body: { JSON: { traits: input.message.traits } } };
          return routerSuccess(request, [input.metadata as Metadata], input.destination);
        }),
      processMetadataForRouter: (output: { metadata: Metadata[] }) => output.metadata,
    };
    return { seen, handlers: { transform } };
  }

  it.each([
    ['/routerTransform', routerBody],
    ['/v0/destinations/salesforce', processorBody],
  ])('%s never hands a 200,000-deep event to the destination', async (url, body) => {
    const { seen, handlers } = trustingHandlers();
    start({ handlers });
    const res = await postText(url, body(deepTitleEvent(200_000), JSON.stringify(good)));
    expect(res.statusCode).toBe(200);
    const elements = url === '/routerTransform' ? (res.json() as { output: Element[] }).output : res.json();
    expect((elements as Element[]).map((e) => e.statusCode)).toEqual([400, 200]);
    expect(seen).toEqual([2]);
  });
});

describe('prototype keys (`__proto__`, `constructor.prototype`) are parsed, then refused per event', () => {
  const PROTO = "is a key that could change an object's prototype; rename it";
  const pollution = '{"polluted":"yes"}';
  const message = JSON.stringify(identify('p@initech.com', { lastName: 'P', company: 'C' }));
  const metadata = JSON.stringify(meta(1));
  const dest = JSON.stringify(destination());
  const withConfigKey = (key: string) => dest.replace('"Config":{', `"Config":{${key},`);

  /** Event 1 carrying the key somewhere, as JSON text; what the host answers it, from `root`. */
  const cases: [string, string, (root: string) => string][] = [
    [
      'in traits',
      `{"message":${message.replace('"traits":{', `"traits":{"__proto__":${pollution},`)},"metadata":${metadata},"destination":${dest}}`,
      (root) => `Invalid event: ${root}.message.traits.__proto__ ${PROTO}`,
    ],
    [
      'as constructor.prototype in traits',
      `{"message":${message.replace('"traits":{', `"traits":{"constructor":{"prototype":${pollution}},`)},"metadata":${metadata},"destination":${dest}}`,
      (root) => `Invalid event: ${root}.message.traits.constructor.prototype ${PROTO}`,
    ],
    [
      'in destination.Config',
      `{"message":${message},"metadata":${metadata},"destination":${withConfigKey(`"__proto__":${pollution}`)}}`,
      (root) => `Invalid destination: ${root}.destination.Config.__proto__ ${PROTO}`,
    ],
    [
      'at the top level of the event',
      `{"__proto__":${pollution},"message":${message},"metadata":${metadata},"destination":${dest}}`,
      (root) => `Invalid transform input: ${root}.__proto__ ${PROTO}`,
    ],
  ];

  it.each(cases)(
    '%s: /routerTransform answers that event alone with a 400 naming the key',
    async (_, event, error) => {
      start(fakeHandlers());
      const res = await postText('/routerTransform', routerBody(event, JSON.stringify(good)));
      expect(res.statusCode).toBe(200);
      const [bad, ok] = (res.json() as { output: Element[] }).output;
      expect(bad).toMatchObject({
        metadata: [{ ...meta(1), destInfo: {} }],
        statusCode: 400,
        error: error('input[0]'),
      });
      expect(ok).toMatchObject({ statusCode: 200, batchedRequest: goodDescriptor });
    },
  );

  it.each(cases)(
    '%s: /v0/destinations/salesforce answers that event alone with a 400 naming the key',
    async (_, event, error) => {
      start(fakeHandlers());
      const res = await postText('/v0/destinations/salesforce', processorBody(event, JSON.stringify(good)));
      expect(res.statusCode).toBe(200);
      const [bad, ok] = res.json() as Element[];
      expect(bad).toMatchObject({ metadata: meta(1), statusCode: 400, error: error('body[0]') });
      expect(ok).toEqual({ output: { ...goodDescriptor, userId: '' }, metadata: meta(2), statusCode: 200 });
    },
  );

  /** A proxy request as JSON text: the descriptor with `json` as its JSON payload, `extra` keys first. */
  const proxyText = (version: string, json: string, extra = '') => {
    const descriptor = JSON.stringify({ ...leadCreateDescriptor({}), body: '@' }).replace(
      '"@"',
      `{"JSON":${json},"JSON_ARRAY":{},"XML":{},"FORM":{}}`,
    );
    const jobs = version === 'v0' ? metadata : `[${metadata}]`;
    return `{${extra}${descriptor.slice(1, -1)},"metadata":${jobs}}`;
  };

  it.each([
    ['v0', 'in the request', proxyText('v0', '{}', `"__proto__":${pollution},`), 'body.__proto__'],
    ['v1', 'in the request', proxyText('v1', '{}', `"__proto__":${pollution},`), 'body.__proto__'],
    [
      'v1',
      'in the payload',
      proxyText('v1', `{"constructor":{"prototype":${pollution}}}`),
      'body.body.JSON.constructor.prototype',
    ],
  ])('proxy %s, %s: HTTP 400 naming the key, nothing sent', async (version, _, text, path) => {
    start();
    const res = await postText(`/${version}/destinations/salesforce/proxy`, text);
    expect(res.statusCode).toBe(400);
    const output = (res.json() as { output: { status: number; message: string; response?: unknown } }).output;
    expect(output.status).toBe(400);
    expect(output.message).toBe(`Invalid request body: ${path} ${PROTO}`);
    if (version === 'v1') {
      expect(output.response).toEqual([{ statusCode: 400, error: output.message, metadata: meta(1) }]);
    }
  });

  it('pollutes nothing: every route, every place, with request bodies logged at trace level', async () => {
    const lines: string[] = [];
    start({
      ...fakeHandlers(),
      log: { level: 'trace', stream: { write: (line: string) => lines.push(line) } },
    });
    for (const [, event] of cases) {
      await postText('/routerTransform', routerBody(event, JSON.stringify(good)));
      await postText('/v0/destinations/salesforce', processorBody(event, JSON.stringify(good)));
    }
    for (const version of ['v0', 'v1']) {
      await postText(
        `/${version}/destinations/salesforce/proxy`,
        proxyText(version, '{}', `"__proto__":${pollution},`),
      );
    }
    // The compacted form looks destinations up by id: an id naming Object.prototype's members finds nothing.
    const compacted = await inject({
      method: 'POST',
      url: '/routerTransform',
      headers: {
        'content-type': 'application/json',
        'x-content-format': 'json+compactedv1',
        'oauth-secret': `{"__proto__":${pollution}}`,
      },
      payload: `{"destType":"salesforce","input":[{"message":${message},"metadata":{"jobId":1,"destinationId":"__proto__"}},{"message":${message},"metadata":{"jobId":2,"destinationId":"constructor"}}],"destinations":{"__proto__":${pollution}}}`,
    });
    expect((compacted.json() as { output: Element[] }).output.map((e) => [e.statusCode, e.error])).toEqual([
      [400, `Invalid transform input: input[0].metadata.secret.__proto__ ${PROTO}`],
      [400, `Invalid transform input: input[1].metadata.secret.__proto__ ${PROTO}`],
    ]);

    expect(lines.filter((l) => l.includes('"msg":"request body"'))).toHaveLength(2 * cases.length + 3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });

  it('redactSecrets keeps a `__proto__` key as a key of its copy, never as its prototype', () => {
    const copy = redactSecrets(JSON.parse(`{"__proto__":{"password":"hunter2","polluted":"yes"}}`)) as object;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({
      password: REDACTED,
      polluted: 'yes',
    });
    expect((copy as Record<string, unknown>).polluted).toBeUndefined();
  });
});
