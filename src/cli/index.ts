#!/usr/bin/env node
/**
 * `sf-destination`: preview, transform and deliver Salesforce destination events from the command line, and run
 * the demo on the embedded simulator.
 */
import { Command, CommanderError } from 'commander';
import { CliError, processIo, type Io } from './common';
import { deliver } from './deliver';
import { demo } from './demo';
import { installInto } from './installInto';
import { preview } from './preview';
import { transform } from './transform';

type SetExitCode = (code: number) => void;

function addPreview(program: Command, io: Io, setExitCode: SetExitCode): void {
  program
    .command('preview')
    .description(
      'show the Salesforce request(s) an event maps to (method, endpoint, JSON body) without sending anything',
    )
    .argument('<event.json>', 'an event (Rudder message) or a full {message, destination, metadata} input')
    .option(
      '--config <destination-config.json>',
      'destination config: the Config object or a whole destination',
    )
    .option('--network', 'run the sign-in and lookups against the configured org (writes are never sent)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { config?: string; network?: boolean; json?: boolean }) => {
      setExitCode(await preview(file, options, io));
    });
}

function addTransform(program: Command, io: Io, setExitCode: SetExitCode): void {
  program
    .command('transform')
    .description(
      'run the router transform over an NDJSON file of events in batches and write the output elements as NDJSON ' +
        '(they contain access tokens: keep the file private)',
    )
    .argument('<events.ndjson>', 'one event or {message, destination?, metadata?} per line')
    .option('--config <destination-config.json>', 'destination of the lines that have none')
    .option('--out <file>', 'write the output elements here instead of stdout')
    .option('--batch-size <n>', 'events per router call', '200')
    .option('--offline', 'no network: a placeholder session, and lookups that find nothing')
    .option(
      '--dest-type <name>',
      'salesforce, salesforce_oauth or salesforce_oauth_sandbox (any letter case)',
      'salesforce',
    )
    .action(
      async (
        file: string,
        options: { config?: string; out?: string; batchSize?: string; offline?: boolean; destType?: string },
      ) => {
        setExitCode(await transform(file, options, io));
      },
    );
}

function addDeliver(program: Command, io: Io, setExitCode: SetExitCode): void {
  program
    .command('deliver')
    .description(
      "send each deliverable output element's request(s) through the network handler and print each job's status",
    )
    .argument('<outputs.ndjson>', 'output elements, as written by `transform`')
    .option('--proxy <version>', 'v1: one status per job (default); v0: one status per request', 'v1')
    .option(
      '--dest-type <name>',
      'salesforce, salesforce_oauth or salesforce_oauth_sandbox (any letter case)',
      'salesforce',
    )
    .option('--json', 'print the job reports as JSON')
    .option(
      '--force',
      'deliver a file that <file>.delivered says was already delivered (its creates are sent again: duplicates)',
    )
    .action(
      async (
        file: string,
        options: { proxy?: string; destType?: string; json?: boolean; force?: boolean },
      ) => {
        setExitCode(await deliver(file, options, io));
      },
    );
}

function addDemo(program: Command, io: Io, setExitCode: SetExitCode): void {
  program
    .command('demo')
    .description(
      'run a batch of realistic events end to end on the embedded Salesforce simulator (no account needed)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      setExitCode(await demo(options, io));
    });
}

function addInstallInto(program: Command, io: Io, setExitCode: SetExitCode): void {
  program
    .command('install-into')
    .description(
      'write the re-export files a rudder-transformer checkout needs to load this destination instead of its own (transform, user deletion, and the v0/v1 network handlers of the three definition names)',
    )
    .argument('<checkout>', 'the rudder-transformer checkout (or a folder to copy into one)')
    .option('--package <name>', 'require the package installed in the checkout instead of this build by path')
    .action((checkout: string, options: { package?: string }) => {
      setExitCode(installInto(checkout, options, io));
    });
}

function buildProgram(io: Io, setExitCode: SetExitCode): Command {
  const program = new Command('sf-destination')
    .description('RudderStack-compatible Salesforce destination: preview, transform and deliver events')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  for (const add of [addPreview, addTransform, addDeliver, addDemo, addInstallInto])
    add(program, io, setExitCode);
  return program;
}

/** Run the CLI with `argv` (without the node and script paths); resolves to the exit status. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      io.err(`error: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
