// CPU time per request is steadier than req/s on a shared VM: read from /proc (Linux) for a process and
// for every local `postgres` process. Clock ticks are 10 ms; a measured round has thousands of requests.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 10_000;

/** User + system CPU time of a process in µs; 0 once it has ended or where /proc is absent. */
export function cpuUsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime + stime
  } catch {
    return 0;
  }
}

const parentOf = (pid: string): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[1]);
};

/**
 * CPU time in µs of the `postgres` processes on this machine, or null when none runs here. Given the
 * postmaster's pid, only that cluster's (the postmaster and its children): other jobs on a shared machine
 * may run clusters of their own.
 */
export function postgresCpuUs(postmaster?: number): number | null {
  let total = 0;
  let found = false;
  for (const entry of readdirSync('/proc', { withFileTypes: true })) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (readFileSync(`/proc/${entry.name}/comm`, 'utf8').trim() !== 'postgres') continue;
      if (
        postmaster !== undefined &&
        Number(entry.name) !== postmaster &&
        parentOf(entry.name) !== postmaster
      )
        continue;
    } catch {
      continue;
    }
    found = true;
    total += cpuUsOf(Number(entry.name));
  }
  return found ? total : null;
}
