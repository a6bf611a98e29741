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
