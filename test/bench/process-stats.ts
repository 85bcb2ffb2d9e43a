/**
 * What the benchmark reads about processes on this machine from /proc: CPU
 * time, children (a supervisor's workers) and peak resident memory.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = 100;

/** CPU seconds a process has used so far (user + system), from /proc. */
export function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** A process and its children (the server's workers, with --workers above 1). */
export function processTree(pid: number | undefined): number[] {
  if (!pid) return [];
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);
  return [pid, ...children];
}

export const treeCpuSeconds = (pid: number | undefined) =>
  processTree(pid).reduce((sum, each) => sum + processCpuSeconds(each), 0);

/** The MariaDB/MySQL server's process id, when it runs on this machine. */
export function databasePid(kind: 'sqlite' | 'mysql'): number | undefined {
  if (kind === 'sqlite') return undefined;
  for (const name of ['mariadbd', 'mysqld']) {
    const found = spawnSync('pidof', [name], { encoding: 'utf8' }).stdout.trim().split(' ')[0];
    if (found) return Number(found);
  }
  return undefined;
}

/** The server's peak resident memory: the sum of each process's peak, supervisor and workers. */
export function peakRssMb(child: ChildProcess): number {
  let kb = 0;
  for (const pid of processTree(child.pid)) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    kb += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

/** The kernel's transparent huge page mode (`always`, `madvise` or `never`), when it says. */
export function transparentHugePages(): string | null {
  try {
    const modes = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
    return /\[(\w+)\]/.exec(modes)?.[1] ?? null;
  } catch {
    return null;
  }
}
