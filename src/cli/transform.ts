/**
 * `sf-destination transform <events.ndjson>`: run the router transform over a file in batches, as rudder-server
 * would call `/routerTransform`, and write the output elements as NDJSON (one element per line).
 *
 * Each line is an event or a full `{message, destination?, metadata?}` input; `--config` gives the destination of
 * lines without one. A line that is not JSON, or not an input, becomes its own error element, so every line is
 * accounted for; so does an event nested too deep (the destination refuses it), and nothing here recurses over a
 * line before that check (`toInput` checks the metadata and destination it copies without recursion). The elements
 * are written batch by batch. Lookups and the sign-in run against the configured org, unless `--offline`.
 */
import { closeSync, createReadStream, openSync, statSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { routerError } from '../framework/descriptors';
import { PlatformError } from '../framework/errors';
import { outcomeOf, type StatusOutcome } from '../framework/outcomes';
import type { Destination, TransformInput } from '../framework/types';
import { salesforceHandlers, type DestinationHandlers } from '../server/destinations';
import { runRouter, type RouterReplyElement } from '../server/router';
import { createSalesforceDestination } from '../v0/destinations/salesforce/index';
import { CliError, destinationFromConfig, parseDestType, readJsonFile, toInput, type Io } from './common';
import { OfflineClient } from './offlineClient';

export interface TransformOptions {
  config?: string;
  out?: string;
  batchSize?: string | number;
  offline?: boolean;
  destType?: string;
}

/** Jobs and output elements are counted apart: one element can carry several jobs (merged records, collections). */
export interface TransformSummary {
  /** Input jobs: one per non-empty input line. */
  jobs: number;
  /** The jobs by the outcome of the element that carries them; they add up to `jobs`. */
  outcomes: Record<StatusOutcome, number>;
  /** Output elements written. */
  elements: number;
}

const OUTCOMES: readonly StatusOutcome[] = ['success', 'filtered', 'aborted', 'throttled', 'retryable'];

function emptySummary(): TransformSummary {
  return {
    jobs: 0,
    outcomes: { success: 0, filtered: 0, aborted: 0, throttled: 0, retryable: 0 },
    elements: 0,
  };
}

/** A text progress bar on stderr: redrawn in place on a terminal, a line per 10 % otherwise. */
export class Progress {
  private lastDecile = -1;
  constructor(
    private readonly io: Io,
    private readonly total: number,
    private readonly label: string,
  ) {}

  update(done: number, detail: string): void {
    const ratio = this.total > 0 ? Math.min(1, done / this.total) : 1;
    if (this.io.errIsTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      this.io.err(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(ratio * 100)}% ${detail}`,
      );
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (decile > this.lastDecile) {
      this.lastDecile = decile;
      this.io.err(`${this.label} ${decile * 10}% ${detail}\n`);
    }
  }

  done(): void {
    if (this.io.errIsTTY) this.io.err('\n');
  }
}

function parseBatchSize(value: string | number | undefined): number {
  const n = Number(value ?? 200);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new CliError(`--batch-size must be an integer from 1 to 10000`);
  return n;
}

/** Files above this size get a progress bar. */
const PROGRESS_THRESHOLD_BYTES = 256 * 1024;

interface TransformContext {
  file: string;
  batchSize: number;
  destType: string;
  fallback?: Destination;
  handlers: DestinationHandlers;
}

async function transformContext(file: string, options: TransformOptions): Promise<TransformContext> {
  const batchSize = parseBatchSize(options.batchSize);
  const destType = parseDestType(options.destType);
  let fallback: Destination | undefined;
  if (options.config)
    fallback = destinationFromConfig(await readJsonFile(options.config, 'config file'), options.config);
  const transform = createSalesforceDestination(options.offline ? { client: new OfflineClient() } : {});
  return { file, batchSize, destType, fallback, handlers: salesforceHandlers({ transform }) };
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    throw new CliError(`Cannot read events file ${file}`);
  }
}

interface Output {
  write(text: string): void;
  close(): void;
}

/**
 * Where the output elements go: the command's stdout, or `--out`, written synchronously batch by batch, so the file
 * holds every element written so far whatever happens after (a later failure, an interrupted run).
 */
function openOutput(path: string | undefined, io: Io): Output {
  if (!path) return { write: (text) => io.out(text), close: () => undefined };
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new CliError(
      `Cannot write --out ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return {
    write(text) {
      const bytes = Buffer.from(text);
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
    },
    close: () => closeSync(fd),
  };
}

type BatchItem = TransformInput | RouterReplyElement;

/** One line as a transform input, or as its own error element when it is not JSON or not an input. */
function lineItem(line: string, lineNo: number, ctx: TransformContext): BatchItem {
  try {
    return toInput(JSON.parse(line) as unknown, ctx.fallback, { jobId: lineNo }, `${ctx.file}:${lineNo}`);
  } catch (error) {
    const reason =
      error instanceof SyntaxError
        ? `line ${lineNo} is not valid JSON: ${error.message}`
        : (error as Error).message;
    return routerError(new PlatformError(reason), [{ jobId: lineNo }]);
  }
}

/** The output elements of one batch: the lines' own error elements first, then the router's. */
async function transformBatch(batch: BatchItem[], ctx: TransformContext): Promise<RouterReplyElement[]> {
  const inputs = batch.filter((b): b is TransformInput => 'message' in b);
  const errors = batch.filter((b): b is RouterReplyElement => !('message' in b));
  return [
    ...errors,
    ...(inputs.length
      ? await runRouter(inputs, ctx.destType, ctx.handlers, {
          namespace: 'Unknown',
          cluster: 'Unknown',
          features: {},
        })
      : []),
  ];
}

function tally(summary: TransformSummary, element: RouterReplyElement): void {
  summary.elements += 1;
  summary.outcomes[outcomeOf(element.statusCode)] += element.metadata.length;
}

/** Transform the file's lines batch by batch, writing each batch's elements as soon as it is done. */
async function transformLines(
  ctx: TransformContext,
  output: Output,
  progress?: Progress,
): Promise<TransformSummary> {
  const summary = emptySummary();
  let batch: BatchItem[] = [];
  let bytes = 0;
  const flush = async () => {
    if (!batch.length) return;
    const elements = await transformBatch(batch, ctx);
    batch = [];
    for (const element of elements) tally(summary, element);
    output.write(elements.map((element) => `${JSON.stringify(element)}\n`).join(''));
    progress?.update(bytes, `${summary.jobs} jobs`);
  };
  const lines = createInterface({ input: createReadStream(ctx.file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    bytes += Buffer.byteLength(line) + 1;
    if (!line.trim()) continue;
    summary.jobs += 1;
    batch.push(lineItem(line, lineNo, ctx));
    if (batch.length >= ctx.batchSize) await flush();
  }
  await flush();
  progress?.done();
  return summary;
}

async function transformFile(file: string, options: TransformOptions, io: Io): Promise<TransformSummary> {
  const ctx = await transformContext(file, options);
  const size = fileSize(file);
  const output = openOutput(options.out, io);
  try {
    return await transformLines(
      ctx,
      output,
      size > PROGRESS_THRESHOLD_BYTES ? new Progress(io, size, 'transform') : undefined,
    );
  } finally {
    output.close();
  }
}

/** The summary: jobs by outcome on one line, output elements on the next. */
export function renderSummary(s: TransformSummary, out: string | undefined): string {
  const outcomes = OUTCOMES.map((o) => `${s.outcomes[o]} ${o}`).join(', ');
  return (
    `transformed ${s.jobs} job${s.jobs === 1 ? '' : 's'} (one per input line): ${outcomes}\n` +
    `wrote ${s.elements} output element${s.elements === 1 ? '' : 's'} (an element carries one or more jobs) to ${out ?? 'stdout'}\n`
  );
}

export async function transform(file: string, options: TransformOptions, io: Io): Promise<number> {
  io.err(renderSummary(await transformFile(file, options, io), options.out));
  return 0;
}
