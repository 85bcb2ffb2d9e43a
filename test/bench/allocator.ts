/**
 * The benchmark's allocator setting. `hugetlb` is the container image's
 * (Dockerfile: GLIBC_TUNABLES=glibc.malloc.hugetlb=1), `default` is glibc's
 * own; other tunables already set are kept. glibc reads GLIBC_TUNABLES only
 * when a process starts, so a benchmark started with another setting runs
 * itself again with the right one: the scrypt capacity it measures, the
 * load it generates and the server it starts then share the allocator.
 */
import { spawnSync } from 'node:child_process';

const HUGETLB = 'glibc.malloc.hugetlb=1';

/** Returns the GLIBC_TUNABLES in effect, after running this script again when needed. */
export function useAllocator(mode: 'hugetlb' | 'default'): string | undefined {
  const current = process.env.GLIBC_TUNABLES || undefined;
  const others = (current ?? '')
    .split(':')
    .filter((entry) => entry && !entry.startsWith('glibc.malloc.hugetlb='));
  const wanted = [...others, ...(mode === 'hugetlb' ? [HUGETLB] : [])].join(':') || undefined;
  if (current === wanted) return wanted;

  if (process.env.BENCH_RERUN) throw new Error('GLIBC_TUNABLES did not reach the benchmark');
  const env = { ...process.env, GLIBC_TUNABLES: wanted, BENCH_RERUN: '1' };
  if (wanted === undefined) delete env.GLIBC_TUNABLES;
  const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env,
    stdio: 'inherit',
  });
  if (again.error) throw again.error;
  if (again.signal) process.kill(process.pid, again.signal);
  process.exit(again.status ?? 1);
}
