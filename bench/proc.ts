/**
 * Server resource readings from Linux `/proc/<pid>`: CPU time (user + system, all threads) and
 * resident memory. The benchmark reads them from outside the server so every server is measured
 * the same way, with no cooperation from its code.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, almost always 100). */
export const CLOCK_TICKS_PER_S = readClockTicks();

function readClockTicks(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

/**
 * CPU time the process has used so far, in microseconds (utime + stime of every thread, fields 14
 * and 15 of `/proc/<pid>/stat`). Resolution is one clock tick (10 ms at 100 Hz), so measure windows
 * of seconds, not milliseconds. Undefined once the process is gone.
 */
export function cpuMicros(pid: number): number | undefined {
  const times = cpuTimes(pid);
  return times === undefined ? undefined : times.userUs + times.systemUs;
}

/** User and system (kernel: syscalls, TCP, fsync) CPU time so far, in microseconds; see {@link cpuMicros}. */
export function cpuTimes(pid: number): { userUs: number; systemUs: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { userUs: (Number(fields[11]) / CLOCK_TICKS_PER_S) * 1e6, systemUs: (Number(fields[12]) / CLOCK_TICKS_PER_S) * 1e6 };
}

/** Current (`VmRSS`) and peak (`VmHWM`) resident set size in KiB; undefined once the process is gone. */
export function memoryKiB(pid: number): { rssKiB: number; peakKiB: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
  if (rss === null || hwm === null) return undefined;
  return { rssKiB: Number(rss[1]), peakKiB: Number(hwm[1]) };
}

/**
 * CPU time the whole machine has spent busy (user, nice, system, irq, softirq of every core, from
 * the first line of `/proc/stat`), in microseconds. The difference between this and the server's
 * plus the load generator's CPU over a phase is what other processes took: the noise indicator.
 */
export function machineBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / CLOCK_TICKS_PER_S) * 1e6;
}
