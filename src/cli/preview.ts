/**
 * `sf-destination preview <event.json>`: which Salesforce request(s) an event maps to, without sending anything.
 *
 * Offline by default: a placeholder session and lookups that find nothing (so records show as creates). With
 * `--network` the lookups (and the sign-in) really run against the configured org; the writes are still only shown.
 */
import { inspectEvent } from '../v0/destinations/salesforce/index';
import {
  destinationFromConfig,
  maskHeaders,
  readJsonFile,
  summarizeRequest,
  toInput,
  type Io,
} from './common';
import { OfflineClient } from './offlineClient';

export interface PreviewOptions {
  config?: string;
  network?: boolean;
  json?: boolean;
}

export interface PreviewResult {
  mode: 'offline' | 'network';
  outcome: 'requests' | 'filtered' | 'rejected';
  /** The eventMappings rules that match the event (each with its operation and object), or the built-in mapping. */
  mappedBy: string[];
  lookups: string[];
  requests: {
    action: string;
    method: string;
    endpoint: string;
    headers: Record<string, string>;
    params: Record<string, unknown>;
    json: unknown;
  }[];
  /** With several matching rules: the requests each rule's writes become on its own (`requests` merges them). */
  byRule: {
    rule: string;
    requests: { action: string; method: string; endpoint: string }[];
    rejected?: string;
  }[];
  status?: number;
  error?: string;
  statTags?: Record<string, string | undefined>;
}

const EMPTY_CONFIG = {};

async function previewEvent(file: string, options: PreviewOptions): Promise<PreviewResult> {
  const raw = await readJsonFile(file, 'event file');
  const fallback = options.config
    ? destinationFromConfig(await readJsonFile(options.config, 'config file'), options.config)
    : undefined;
  const hasDestination = typeof raw === 'object' && raw !== null && 'destination' in raw;
  const input = toInput(
    raw,
    fallback ?? (hasDestination ? undefined : destinationFromConfig(EMPTY_CONFIG, 'default config')),
    { jobId: 1 },
    file,
  );
  const mode = options.network ? 'network' : 'offline';
  const inspection = await inspectEvent(input, options.network ? {} : { client: new OfflineClient() });
  const { lookups, rejected, mappedBy } = inspection;
  const byRule = inspection.byRule.map(({ rule, requests, rejected: why }) => ({
    rule,
    requests: requests.map((d) => ({
      action: summarizeRequest(d).action,
      method: d.method,
      endpoint: d.endpoint,
    })),
    ...(why === undefined ? {} : { rejected: why }),
  }));
  if (rejected) {
    const { status, message, statTags } = rejected;
    const outcome = status === 298 ? 'filtered' : 'rejected';
    return { mode, outcome, mappedBy, byRule, lookups, requests: [], status, error: message, statTags };
  }
  return {
    mode,
    outcome: 'requests',
    mappedBy,
    byRule,
    lookups,
    requests: inspection.requests.map((d) => ({
      action: summarizeRequest(d).action,
      method: d.method,
      endpoint: d.endpoint,
      headers: maskHeaders(d.headers),
      params: d.params,
      json: d.body.JSON,
    })),
  };
}

/** Each rule, then the requests its writes become on their own (or why it cannot write alone). */
function ruleLines(byRule: PreviewResult['byRule']): string[] {
  return byRule.flatMap(({ rule, requests, rejected }) => [
    `  ${rule}`,
    ...(rejected === undefined
      ? requests.map((r) => `    → ${r.action}: ${r.method} ${r.endpoint}`)
      : [`    → rejected on its own: ${rejected}`]),
  ]);
}

function render(result: PreviewResult): string {
  const lines: string[] = [];
  if (result.mode === 'offline') {
    lines.push(
      'Offline preview: nothing is sent. The session is a placeholder and every lookup answers "not found",',
      'so a record that may already exist in your org is shown as a create, and a reference to it as missing.',
      'Use --network with a real --config to run the lookups against your org (writes are still not sent).',
      '',
    );
  }
  if (result.byRule.length) lines.push('Mapped by (each rule on its own):', ...ruleLines(result.byRule), '');
  else if (result.mappedBy.length) lines.push('Mapped by:', ...result.mappedBy.map((m) => `  ${m}`), '');
  if (result.lookups.length) {
    lines.push(result.mode === 'offline' ? 'Lookups it would run (not sent):' : 'Lookups it ran:');
    for (const soql of result.lookups)
      lines.push(`  SOQL ${soql}${result.mode === 'offline' ? '  → not found (offline)' : ''}`);
    lines.push('');
  }
  if (result.outcome === 'filtered') {
    lines.push(`Filtered (${result.status}): not sent to Salesforce.`, `  ${result.error}`);
  } else if (result.outcome === 'rejected') {
    const tags = result.statTags ?? {};
    lines.push(
      `Rejected (${result.status}${tags.errorType ? `, ${tags.errorCategory}/${tags.errorType}` : ''}): the event cannot be sent.`,
      `  ${result.error}`,
    );
  } else {
    const n = result.requests.length;
    lines.push(`The event maps to ${n} Salesforce request${n === 1 ? '' : 's'}:`);
    result.requests.forEach((r, i) => {
      lines.push('', `${i + 1}. ${r.action}`, `   ${r.method} ${r.endpoint}`);
      if (Object.keys(r.params).length) lines.push(`   params: ${JSON.stringify(r.params)}`);
      lines.push(
        `   headers: ${Object.entries(r.headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')}`,
      );
      lines.push(
        '   body:',
        ...JSON.stringify(r.json, null, 2)
          .split('\n')
          .map((l) => `   ${l}`),
      );
    });
  }
  return `${lines.join('\n')}\n`;
}

/** Exit status: 0 when the event maps to requests or is filtered, 1 when it is rejected. */
export async function preview(file: string, options: PreviewOptions, io: Io): Promise<number> {
  const result = await previewEvent(file, options);
  io.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : render(result));
  return result.outcome === 'rejected' ? 1 : 0;
}
