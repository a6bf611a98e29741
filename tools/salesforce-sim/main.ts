/**
 * CLI: `npm run sim -- --port 8085 [--daily-api-limit N] [--token-ttl-ms N] [--config options.json]`.
 * Runs until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { startSimulator } from './index';
import type { SimOptions } from './types';

function parseArgs(argv: string[]): SimOptions {
  let options: SimOptions = {};
  const overrides: SimOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    const num = (): number => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${name} needs a non-negative number`);
      return n;
    };
    switch (name) {
      case '--port':
        overrides.port = num();
        break;
      case '--daily-api-limit':
        overrides.dailyApiLimit = num();
        break;
      case '--token-ttl-ms':
        overrides.tokenTtlMs = num();
        break;
      case '--config':
        options = JSON.parse(readFileSync(value(), 'utf8')) as SimOptions;
        break;
      case '--help':
      case '-h':
        process.stdout.write(
          'Usage: npm run sim -- [--port 8085] [--daily-api-limit 100000] [--token-ttl-ms 7200000] [--config options.json]\n',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return { ...options, ...overrides };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const sim = await startSimulator(options);
  const user = sim.state.users[0];
  const client = sim.state.clients[0];
  process.stdout.write(
    [
      `Salesforce simulator listening on ${sim.url}`,
      `  token URL:     ${sim.url}/services/oauth2/token`,
      `  instance URL:  ${sim.url}`,
      `  username:      ${user.username}`,
      `  password:      ${user.password}`,
      `  securityToken: ${user.securityToken}`,
      `  client_id:     ${client.clientId}`,
      `  client_secret: ${client.clientSecret}`,
      `  admin API:     ${sim.url}/__admin/ (records/:object, seed/:object, counters, reset, faults, expire-tokens)`,
      '',
    ].join('\n'),
  );
  const stop = (signal: string): void => {
    process.stdout.write(`\n${signal} received, stopping simulator\n`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
