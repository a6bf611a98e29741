/**
 * `<outputs.ndjson>.delivered`: the marker `deliver` writes next to a file it sends, so that a second `deliver` of
 * the same file is refused (creates are not idempotent: sent twice, they make duplicate records). It is written
 * before the first request (`started`) and again at the end (`finished`), so a run that was interrupted still marks
 * the file. It names the file's SHA-256: a file rewritten since (a new `transform --out` to the same path) is a new
 * file and is delivered. `--force` delivers a marked file anyway. The marker holds no secret: no token, no body.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { ajv } from '../framework/validate';
import { CliError, type Io } from './common';
import type { OutputsScan } from './outputsFile';

const MarkerSchema = Type.Object(
  {
    file: Type.String(),
    sha256: Type.String(),
    state: Type.Union([Type.Literal('started'), Type.Literal('finished')]),
    startedAt: Type.String(),
    finishedAt: Type.Optional(Type.String()),
    creates: Type.Integer({ minimum: 0 }),
    jobs: Type.Optional(
      Type.Object({ delivered: Type.Integer(), failed: Type.Integer(), notDeliverable: Type.Integer() }),
    ),
  },
  { additionalProperties: true },
);
export type DeliveryMarker = Static<typeof MarkerSchema>;
const validateMarker = ajv.compile<DeliveryMarker>(MarkerSchema);

function markerPath(file: string): string {
  return `${file}.delivered`;
}

const RETRY =
  're-run `transform` on the events (its lookups then find the records already written, so they become updates) ' +
  'and deliver the new output';

/** The marker of `file`, undefined when there is none. Throws a CliError when it cannot be read or is not one. */
async function readMarker(file: string): Promise<DeliveryMarker | undefined> {
  const path = markerPath(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`Cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    value = undefined;
  }
  if (validateMarker(value)) return value;
  throw new CliError(
    `${path} is not a delivery marker written by deliver: check whether ${file} was delivered, then remove ${path} or pass --force`,
  );
}

/** `<file> was already delivered (<marker>: when)`. */
function alreadyDelivered(file: string, marker: DeliveryMarker): string {
  const when =
    marker.state === 'finished'
      ? `delivered ${marker.finishedAt ?? marker.startedAt}`
      : `a delivery started ${marker.startedAt} and did not finish: some of its requests may have been sent`;
  return `${file} was already delivered (${markerPath(file)}: ${when})`;
}

function refusal(file: string, marker: DeliveryMarker): string {
  const creates = marker.creates
    ? `; its ${marker.creates} record create${marker.creates === 1 ? '' : 's'} would make duplicate records`
    : '';
  return (
    `${alreadyDelivered(file, marker)}. Delivering it again re-sends its requests${creates}. ` +
    `To retry failed jobs, ${RETRY}; to deliver this file again anyway, pass --force.`
  );
}

/** Refuse (CliError, exit 2) a file whose marker says it was delivered as it is now, unless `force`. */
export async function checkNotDelivered(
  file: string,
  scan: OutputsScan,
  force: boolean,
  io: Io,
): Promise<void> {
  let marker: DeliveryMarker | undefined;
  try {
    marker = await readMarker(file);
  } catch (error) {
    if (!force) throw error;
    io.err(`warning: ${(error as Error).message}; delivering anyway (--force)\n`);
    return;
  }
  if (!marker || marker.sha256 !== scan.sha256) return;
  if (!force) throw new CliError(refusal(file, marker));
  io.err(`warning: ${alreadyDelivered(file, marker)}; delivering it again (--force)\n`);
}

/** Creates are not idempotent: say so, and how to retry, before sending any. */
export function warnCreates(file: string, scan: OutputsScan, io: Io): void {
  if (!scan.creates) return;
  const n = scan.creates;
  io.err(
    `warning: ${file} creates ${n} record${n === 1 ? '' : 's'} (POST). Creates are not idempotent: delivering ` +
      `this file again makes duplicate records (deliver refuses it; see ${markerPath(file)}).\n` +
      `  To retry after a failure, ${RETRY}, not this file.\n`,
  );
}

/** Write the marker; a marker that cannot be written is a warning (the delivery itself goes on). */
export async function writeMarker(file: string, marker: DeliveryMarker, io: Io): Promise<void> {
  try {
    await writeFile(markerPath(file), `${JSON.stringify(marker, null, 2)}\n`);
  } catch (error) {
    io.err(
      `warning: cannot write ${markerPath(file)} (${(error as NodeJS.ErrnoException).code ?? String(error)}): ` +
        `a second deliver of ${file} will not be refused\n`,
    );
  }
}
