/**
 * CPU time of another process from Linux's /proc: the whole process (every thread, exited ones
 * included) and its main thread, in milliseconds. Elsewhere (no /proc) both read as NaN, so a
 * bench prints "-" instead of failing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a /proc stat file in ms (fields 14 and 15, counted after the command's parentheses). */
function statCpuMs(file: string): number {
  try {
    const text = readFileSync(file, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / clockTicks()) * 1000;
  } catch {
    return Number.NaN;
  }
}

/** CPU used so far by process `pid`: all threads, and the main (JavaScript) thread alone. */
export function processCpuMs(pid: number): { total: number; main: number } {
  return { total: statCpuMs(`/proc/${pid}/stat`), main: statCpuMs(`/proc/${pid}/task/${pid}/stat`) };
}
