/**
 * The primary's log lines, in the workers' format (pino's JSON: level, time, pid, hostname, msg) and honouring
 * `LOG_LEVEL`. The primary has no fastify of its own; what it logs is its own bookkeeping (worker ids, pids, exit
 * codes), never request data.
 */
import { hostname } from 'node:os';
import { StdoutLines } from '../logging';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type Level = keyof typeof LEVELS;

export type LogLine = (fields: Record<string, unknown>, msg: string) => void;

export interface PrimaryLog {
  info: LogLine;
  warn: LogLine;
  error: LogLine;
}

/** The lowest level written: `LOG_LEVEL` as pino reads it (`silent` writes nothing, an unknown name is `info`). */
function threshold(name: string): number {
  if (name === 'silent') return Infinity;
  return name in LEVELS ? LEVELS[name as Level] : LEVELS.info;
}

/**
 * Where the primary's lines go by default: where the workers' go (StdoutLines), one synchronous write per line, so
 * they do not interleave with the workers' and a closed stdout drops them instead of crashing the primary.
 */
function stdoutLines(): (line: string) => void {
  const stdout = new StdoutLines();
  return (line) => stdout.write(line);
}

export function primaryLog(
  levelName = process.env.LOG_LEVEL ?? 'info',
  write: (line: string) => void = stdoutLines(),
): PrimaryLog {
  const min = threshold(levelName);
  const base = { pid: process.pid, hostname: hostname(), role: 'primary' };
  const at =
    (level: Level): LogLine =>
    (fields, msg) => {
      if (LEVELS[level] < min) return;
      write(`${JSON.stringify({ level: LEVELS[level], time: Date.now(), ...base, ...fields, msg })}\n`);
    };
  return { info: at('info'), warn: at('warn'), error: at('error') };
}
