/**
 * CPU time of processes and threads, read from Linux's /proc without asking the processes anything (a `/metrics`
 * scrape would cost the service the CPU it measures).
 *
 * - `/proc/<pid>/stat` fields 14 and 15 (utime, stime): the whole process, every thread including those that have
 *   exited;
 * - `/proc/<pid>/task/<pid>/stat`: the main thread alone (its tid is the pid), the JavaScript thread of a Node
 *   process. The rest (process − main) is the other threads: V8's GC helpers and compiler, libuv's pool;
 * - `/proc/stat`'s first line: the whole machine, so that CPU taken by processes outside the measurement shows.
 *
 * Values are clock ticks (`getconf CLK_TCK`, 100 a second on Linux), turned into microseconds here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

function clockTicks(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

const US_PER_TICK = 1e6 / clockTicks();

/** Whether this machine has the /proc files the measurement reads. */
export function procAvailable(): boolean {
  return existsSync(`/proc/${process.pid}/task/${process.pid}/stat`) && existsSync('/proc/stat');
}

/** The fields of a stat file after `(comm)` (comm may hold spaces and parentheses): state, ppid, ... */
function statFields(path: string): string[] | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of a stat file, in µs; 0 once the process is gone. */
function cpuUs(path: string): number {
  const fields = statFields(path);
  // After `(comm)`: [0] state, [1] ppid, ... [11] utime (field 14), [12] stime (field 15).
  return fields ? (Number(fields[11]) + Number(fields[12])) * US_PER_TICK : 0;
}

/** CPU of one process so far, µs: all its threads, and its main thread alone. */
export interface ProcessCpu {
  pid: number;
  totalUs: number;
  mainUs: number;
}

export function processCpu(pid: number): ProcessCpu {
  return { pid, totalUs: cpuUs(`/proc/${pid}/stat`), mainUs: cpuUs(`/proc/${pid}/task/${pid}/stat`) };
}

/** CPU spent between two readings of the same processes (matched by pid), summed: main thread and the rest. */
export function cpuBetween(before: ProcessCpu[], after: ProcessCpu[]): { mainUs: number; otherUs: number } {
  let mainUs = 0;
  let otherUs = 0;
  for (const end of after) {
    const start = before.find((b) => b.pid === end.pid) ?? { totalUs: 0, mainUs: 0 };
    mainUs += end.mainUs - start.mainUs;
    otherUs += end.totalUs - end.mainUs - (start.totalUs - start.mainUs);
  }
  return { mainUs, otherUs };
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The children of `pid` that run its own command line: a node:cluster primary's workers (tsx's esbuild service, also
 * a child, is left out).
 */
export function clusterWorkerPids(pid: number): number[] {
  const command = commandLine(pid);
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(`/proc/${entry}/stat`);
    if (fields && Number(fields[1]) === pid && commandLine(Number(entry)) === command)
      children.push(Number(entry));
  }
  return children.sort((a, b) => a - b);
}

/** The machine's busy CPU so far (every core, every process: user, nice, system, irq, softirq), µs. */
export function machineBusyUs(): number {
  const [line] = readFileSync('/proc/stat', 'utf8').split('\n');
  // cpu user nice system idle iowait irq softirq steal ...
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) * US_PER_TICK;
}
