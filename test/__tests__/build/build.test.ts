/**
 * The build output loads the way rudder-transformer loads destinations (spec rudder-contract.md A.6): plain
 * CommonJS `require` of `src/v0/destinations/<name>/transform.js`, and `new (require(...networkHandler).networkHandler)()`
 * for the v0 and v1 proxies. The build runs once into a temporary directory (never into the repository).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { writeDropIn } from '../../../src/cli/dropin';
import { killAll, start } from '../server/processes';
import { HOST_AXIOS_MOCK, ReproducedHost } from './rudderTransformerHost';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DEST = path.join('src', 'v0', 'destinations', 'salesforce');
const V1_DEST = path.join('src', 'v1', 'destinations', 'salesforce');

/** Every proxy handler directory (`src/v0|v1/destinations/<name>/networkHandler.ts`), the OAuth aliases included. */
const HANDLER_DIRS: string[] = ['v0', 'v1'].flatMap((version) => {
  const base = path.join(ROOT, 'src', version, 'destinations');
  return fs
    .readdirSync(base)
    .filter((name) => fs.existsSync(path.join(base, name, 'networkHandler.ts')))
    .map((name) => path.join('src', version, 'destinations', name));
});

let outDir = '';
let tsc: { status: number; output: string } = { status: -1, output: 'not run' };

beforeAll(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-build-'));
  // Dependencies resolve from the output as they would from a checkout: through a node_modules next to it.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
  const tscBin = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  try {
    const output = execFileSync(process.execPath, [tscBin, '-p', 'tsconfig.build.json', '--outDir', outDir], {
      cwd: ROOT,
      timeout: 120_000,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    tsc = { status: 0, output };
  } catch (error) {
    const e = error as { status?: number | null; stdout?: string; stderr?: string; message: string };
    tsc = { status: e.status ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}, 180_000);

afterAll(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

/** Run a script in a fresh Node process (no jest module registry, no transpiler) and parse what it prints. */
function inNode(script: string): unknown {
  const output = execFileSync(process.execPath, ['-e', script], {
    cwd: outDir,
    timeout: 60_000,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(output.trim().split('\n').pop() ?? 'null') as unknown;
}

const built = (...parts: string[]) => path.join(outDir, ...parts);

describe('npm run build output', () => {
  it('compiles without errors', () => {
    expect({ status: tsc.status, output: tsc.output.trim() }).toEqual({ status: 0, output: '' });
  });

  it('exports process, processRouterDest and processMetadataForRouter from transform.js as functions', () => {
    const file = built(DEST, 'transform.js');
    expect(fs.existsSync(file)).toBe(true);
    const exported = inNode(`
      const t = require(${JSON.stringify(file)});
      console.log(JSON.stringify({
        process: typeof t.process,
        processRouterDest: typeof t.processRouterDest,
        processMetadataForRouter: typeof t.processMetadataForRouter,
      }));
    `);
    expect(exported).toEqual({
      process: 'function',
      processRouterDest: 'function',
      processMetadataForRouter: 'function',
    });
  });

  it('gives processMetadataForRouter its contract behaviour from the built file', () => {
    const file = built(DEST, 'transform.js');
    const result = inNode(`
      const t = require(${JSON.stringify(file)});
      console.log(JSON.stringify(t.processMetadataForRouter({ metadata: [{ jobId: 1 }], destination: { ID: 'd1' } })));
    `);
    expect(result).toEqual([{ jobId: 1, destInfo: { authKey: 'd1' } }]);
  });

  it('has the v0 and v1 Salesforce handlers among the handler directories', () => {
    expect(HANDLER_DIRS).toEqual(expect.arrayContaining([DEST, V1_DEST]));
  });

  it.each(HANDLER_DIRS)(
    '%s/networkHandler.js exports a constructor whose instance has the proxy methods',
    (dir) => {
      const file = built(dir, 'networkHandler.js');
      expect(fs.existsSync(file)).toBe(true);
      const shape = inNode(`
      const { networkHandler } = require(${JSON.stringify(file)});
      const handler = new networkHandler();
      console.log(JSON.stringify({
        ctor: typeof networkHandler,
        responseHandler: typeof handler.responseHandler,
        proxy: typeof handler.proxy,
        prepareProxy: typeof handler.prepareProxy,
        processAxiosResponse: typeof handler.processAxiosResponse,
      }));
    `);
      expect(shape).toEqual({
        ctor: 'function',
        responseHandler: 'function',
        proxy: 'function',
        prepareProxy: 'function',
        processAxiosResponse: 'function',
      });
    },
  );

  it.each([[DEST, 'transform.d.ts'], ...HANDLER_DIRS.map((dir) => [dir, 'networkHandler.d.ts'])])(
    'emits %s/%s',
    (dir, file) => {
      const declaration = built(dir, file);
      expect(fs.existsSync(declaration)).toBe(true);
      expect(fs.readFileSync(declaration, 'utf8')).toMatch(/export /);
    },
  );

  it('declares the transform entry points in transform.d.ts', () => {
    const declaration = fs.readFileSync(built(DEST, 'transform.d.ts'), 'utf8');
    for (const name of ['process', 'processRouterDest', 'processMetadataForRouter']) {
      expect(declaration).toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it('copies every mapping JSON file unchanged', () => {
    const sourceDir = path.join(ROOT, DEST, 'data');
    const files = fs.readdirSync(sourceDir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const out = built(DEST, 'data', file);
      expect({ file, exists: fs.existsSync(out) }).toEqual({ file, exists: true });
      expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(
        JSON.parse(fs.readFileSync(path.join(sourceDir, file), 'utf8')),
      );
    }
  });

  it("puts transform.js where package.json's main points (relative to dist)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
    };
    expect(fs.existsSync(built(path.relative('dist', pkg.main)))).toBe(true);
    expect(fs.existsSync(built(path.relative('dist', pkg.types)))).toBe(true);
  });

  it('leaves tests out of the output', () => {
    expect(fs.existsSync(built('test'))).toBe(false);
  });
});

/**
 * The built destination inside a rudder-transformer checkout: the checkout holds only the one-line re-export files,
 * and its own copies of axios (mocked by its test suite) and of @rudderstack/integrations-lib.
 */
describe('inside rudder-transformer (one-line re-exports only)', () => {
  let checkout = '';
  let host: ReproducedHost;
  let axiosMock: {
    calls: { method: string; url: string }[];
    reply(method: string, url: RegExp, status: number, data: unknown, headers?: Record<string, string>): void;
  };

  const INSTANCE = 'https://acme.my.salesforce.com';
  const EXPIRED = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
  const destination = (name: string, config: Record<string, unknown> = {}) => ({
    ID: 'dest-1',
    Name: 'Salesforce',
    Config: { userName: 'u@acme.com', password: 'pw', clientId: 'cid', ...config },
    Enabled: true,
    WorkspaceID: 'ws-1',
    DestinationDefinition: { ID: 'def', Name: name, DisplayName: 'Salesforce' },
  });
  const metadata = { jobId: 1, destinationId: 'dest-1', workspaceId: 'ws-1' };
  const oauthMetadata = { ...metadata, secret: { access_token: 'host-token', instance_url: INSTANCE } };
  const descriptor = {
    version: '1',
    type: 'REST',
    method: 'PATCH',
    endpoint: `${INSTANCE}/services/data/v62.0/sobjects/Lead/00Q000000000001AAA`,
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer host-token' },
    params: {},
    body: { JSON: { Title: 'CEO' }, JSON_ARRAY: {}, XML: {}, FORM: {} },
    files: {},
  };

  beforeAll(() => {
    checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'rudder-transformer-'));
    // The checkout's own dependencies: a second copy of the error library, and its axios as its tests mock it.
    const lib = path.join(checkout, 'node_modules', '@rudderstack', 'integrations-lib');
    const ours = path.dirname(require.resolve('@rudderstack/integrations-lib/package.json'));
    for (const part of ['package.json', 'build/errors', 'build/tags.js']) {
      fs.cpSync(path.join(ours, part), path.join(lib, part), { recursive: true });
    }
    fs.mkdirSync(path.join(checkout, 'node_modules', 'axios'), { recursive: true });
    fs.writeFileSync(path.join(checkout, 'node_modules', 'axios', 'index.js'), HOST_AXIOS_MOCK);
    writeDropIn(checkout, outDir);
    host = new ReproducedHost(checkout);
    axiosMock = (createRequire(path.join(checkout, 'src', 'index.js'))('axios') as { mock: typeof axiosMock })
      .mock;
  });
  afterAll(() => fs.rmSync(checkout, { recursive: true, force: true }));

  it('the checkout holds one-line re-exports for the transform, user deletion and every proxy handler directory', () => {
    expect(host.directories('v0').sort()).toEqual([
      'salesforce',
      'salesforce_oauth',
      'salesforce_oauth_sandbox',
    ]);
    expect(host.directories('v1').sort()).toEqual([
      'salesforce',
      'salesforce_oauth',
      'salesforce_oauth_sandbox',
    ]);
    const transform = fs.readFileSync(path.join(checkout, DEST, 'transform.js'), 'utf8');
    expect(
      transform
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('//')),
    ).toEqual([
      `module.exports = require(${JSON.stringify(`${outDir}/${DEST}/transform.js`)}).bindHost(require);`,
    ]);
  });

  it("a processor error keeps its status and stat tags in the host's generateErrorObject", async () => {
    const [element] = await host.processor(
      {
        message: { type: 'identify', traits: 'nope', integrations: { Salesforce: true } },
        metadata,
        destination: destination('SALESFORCE'),
      },
      'salesforce',
    );
    expect(element).toEqual({
      metadata,
      statusCode: 400,
      error: expect.stringContaining('Invalid traits for Salesforce request'),
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
    });
  });

  it("the checkout's axios mock sees our sign-in, describe and lookup, and the router transform uses its answers", async () => {
    axiosMock.reply('POST', /\/services\/oauth2\/token$/, 200, {
      access_token: 'AT',
      instance_url: INSTANCE,
    });
    axiosMock.reply('GET', /\/sobjects\/Lead\/describe$/, 200, {
      name: 'Lead',
      fields: ['Id', 'Email', 'Title', 'LastName', 'Company'].map((name) => ({
        name,
        createable: name !== 'Id',
        updateable: name !== 'Id',
      })),
    });
    axiosMock.reply('GET', /\/query\?q=/, 200, {
      totalSize: 1,
      done: true,
      records: [{ Id: '00Q000000000001AAA', Email: 'a@acme.com' }],
    });
    const transform = host.transformModule('salesforce');
    const outputs = await (
      transform.processRouterDest as (i: unknown[]) => Promise<Record<string, unknown>[]>
    )([
      {
        message: {
          type: 'identify',
          traits: { email: 'a@acme.com', title: 'CEO' },
          integrations: { Salesforce: true },
        },
        metadata,
        destination: destination('SALESFORCE'),
      },
    ]);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({
      statusCode: 200,
      batchedRequest: {
        method: 'PATCH',
        endpoint: `${INSTANCE}/services/data/v62.0/sobjects/Lead/00Q000000000001AAA`,
      },
    });
    expect(axiosMock.calls.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual([
      'POST /services/oauth2/token',
      'GET /services/data/v62.0/sobjects/Lead/describe',
      'GET /services/data/v62.0/query',
    ]);
  });

  it.each(['v0', 'v1'] as const)(
    'proxy %s: an expired OAuth token asks rudder-server for a refresh (REFRESH_TOKEN), with status and stat tags',
    async (version) => {
      axiosMock.reply('PATCH', /\/sobjects\/Lead\/00Q000000000001AAA$/, 401, EXPIRED);
      const output = await host.deliver(
        {
          ...descriptor,
          metadata: version === 'v1' ? [oauthMetadata] : oauthMetadata,
          destinationConfig: {},
        },
        'salesforce_oauth',
        version,
      );
      expect(output).toMatchObject({
        status: 500,
        authErrorCategory: 'REFRESH_TOKEN',
        statTags: {
          errorCategory: 'network',
          errorType: 'retryable',
          destType: 'SALESFORCE_OAUTH',
          feature: 'dataDelivery',
          destinationId: 'dest-1',
          workspaceId: 'ws-1',
        },
      });
      if (version === 'v0')
        expect(output.destinationResponse).toMatchObject({ status: 401, response: EXPIRED });
      else
        expect(output.response).toEqual([
          { error: JSON.stringify(EXPIRED), statusCode: 500, metadata: oauthMetadata },
        ]);
    },
  );
});

describe('the compiled service (npm run start:dist)', () => {
  afterAll(() => killAll());

  it('runs from the build with node alone (no tsx, a production install) and stops on SIGTERM', async () => {
    expect(tsc).toEqual({ status: 0, output: expect.any(String) });
    const service = start(process.execPath, [built('src', 'server', 'main.js')], {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: '',
    });
    const [, address] = await service.line(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
    expect((await fetch(`${address}/health`)).status).toBe(200);
    process.kill(service.pid, 'SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
