/**
 * How the benchmark measures: a row of requests per second with latency
 * percentiles (its own loops for the multi-step sign-in, autocannon for
 * single requests), the CPU each process spent on it, and the machine's
 * raw scrypt capacity.
 */
import autocannon from 'autocannon';

import type { PasswordHasher } from '../../src/accounts/password-hash.js';
import { processCpuSeconds, treeCpuSeconds } from './process-stats.js';

export interface Row {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  operations: number;
  /** CPU milliseconds per operation spent by the server, the database and this load generator. */
  cpuMs?: { server: number; database: number; loadGenerator: number };
  /** Database statements per operation (MariaDB/MySQL). */
  statements?: number | undefined;
}

/** What is watched around each measurement besides the load generator itself. */
export interface Probes {
  server: number | undefined;
  database: number | undefined;
  /** Statements the database server has received so far (MariaDB/MySQL only). */
  statements?: (() => Promise<number>) | undefined;
}

/** Runs one measurement and adds what each process spent per operation. */
export async function withCpu(probes: Probes, measure: () => Promise<Row>): Promise<Row> {
  const before = {
    server: treeCpuSeconds(probes.server),
    database: processCpuSeconds(probes.database),
    self: process.cpuUsage(),
    statements: await probes.statements?.(),
  };
  const row = await measure();
  const self = process.cpuUsage(before.self);
  const statementsAfter = await probes.statements?.();
  const operations = row.operations;
  const perOperation = (amount: number) => (operations > 0 ? amount / operations : 0);
  return {
    ...row,
    cpuMs: {
      server: perOperation(1000 * (treeCpuSeconds(probes.server) - before.server)),
      database: perOperation(1000 * (processCpuSeconds(probes.database) - before.database)),
      loadGenerator: perOperation((self.user + self.system) / 1000),
    },
    statements:
      statementsAfter === undefined || before.statements === undefined
        ? undefined
        : // less the second status query, which counts itself
          perOperation(statementsAfter - before.statements - 1),
  };
}

/** p50, p95 and p99 of latencies in milliseconds. */
function percentiles(latencies: number[]): Pick<Row, 'p50' | 'p95' | 'p99'> {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** Runs `work` in `connections` loops for `seconds`. */
export async function drive(
  name: string,
  connections: number,
  seconds: number,
  work: () => Promise<void>,
): Promise<Row> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        try {
          await work();
          latencies.push(performance.now() - begin);
        } catch {
          errors++;
        }
      }
    }),
  );
  return {
    name,
    requestsPerSecond: latencies.length / ((performance.now() - started) / 1000),
    ...percentiles(latencies),
    errors,
    operations: latencies.length,
  };
}

/** autocannon's rate; the percentiles from every response's own time (it reports no p95). */
export async function cannon(
  name: string,
  connections: number,
  seconds: number,
  options: autocannon.Options,
): Promise<Row> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon({ connections, duration: seconds, ...options }, (error, finished) =>
      error ? reject(error) : resolve(finished),
    );
    run.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  return {
    name,
    requestsPerSecond: result.requests.average,
    ...percentiles(latencies),
    errors: result.errors + result.non2xx,
    operations: result.requests.total,
  };
}

export interface ScryptCapacity {
  perSecond: number;
  /** CPU time of this process (thread pool included) per verification. */
  cpuMsPerVerification: number;
}

/** scrypt verifications per second at the configured cost for 5 s, every core busy. */
export async function scryptCapacity(
  hasher: PasswordHasher,
  secret: string,
  cores: number,
): Promise<ScryptCapacity> {
  const hash = await hasher.hash(secret);
  let done = 0;
  const started = performance.now();
  const deadline = started + 5000;
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: cores * 2 }, async () => {
      while (performance.now() < deadline) {
        await hasher.verify(hash, secret);
        done++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    perSecond: done / ((performance.now() - started) / 1000),
    cpuMsPerVerification: (used.user + used.system) / 1000 / done,
  };
}
