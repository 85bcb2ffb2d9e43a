import cluster, { type Worker } from 'node:cluster';

import { AggregatorRegistry, Gauge, type Registry } from 'prom-client';

import type { Config } from './config/schema.js';
import { createDataSource } from './db/data-source.js';
import type { Logger } from './logger.js';

/** How long the supervisor waits for the workers' metrics before answering with those it has. */
const COLLECT_MS = 2000;
/** How long a worker waits for the supervisor's answer (longer than the collection). */
const ANSWER_MS = 5000;
/** Restart delays double from the first up to the last while workers keep failing. */
const RESTART_DELAY_MS = { first: 1000, max: 30_000 };
/** A worker that ran this long was healthy: the next restart starts from the first delay. */
const HEALTHY_AFTER_MS = 60_000;

type Message =
  | { type: 'idp:metrics-ready' }
  | { type: 'idp:metrics-request'; id: number }
  | { type: 'idp:metrics-collect'; id: number }
  | { type: 'idp:metrics-part'; id: number; metrics: object[] }
  | { type: 'idp:metrics-answer'; id: number; text?: string; error?: string };

const isMessage = (value: unknown): value is Message =>
  typeof (value as { type?: unknown } | null)?.type === 'string' &&
  (value as { type: string }).type.startsWith('idp:');

/**
 * `workers` > 1: this process supervises that many identical server
 * processes on one port (node:cluster hands each new connection to one of
 * them). They are instances like any others on the shared database, so a
 * flow may move between them; one event loop is no longer the limit of a
 * host. The supervisor runs the migrations once before they start, replaces
 * a worker that dies (waiting longer while they keep failing), passes
 * SIGTERM/SIGINT on and exits when all have stopped, and adds up the
 * workers' metrics for /metrics.
 */
export async function superviseWorkers(config: Config, logger: Logger): Promise<void> {
  if (config.database.migrateOnStart) {
    const db = await createDataSource(config);
    await db.initialize();
    try {
      await db.runMigrations({ transaction: 'each' });
    } finally {
      await db.destroy();
    }
  }

  let stopping = false;
  let failed = false;
  let listening = false;
  let restartDelay = RESTART_DELAY_MS.first;
  const restarts = new Set<NodeJS.Timeout>();
  const startedAt = new WeakMap<Worker, number>();
  /** Workers whose metrics exist, and so answer a collection. */
  const measured = new WeakSet<Worker>();
  const metrics = new MetricsCollector(logger);

  const send = (worker: Worker, message: Message) => {
    if (!worker.isConnected()) return;
    worker.send(message, (error: Error | null) => {
      if (error)
        logger.warn({ err: error, pid: worker.process.pid }, 'a worker did not take a message');
    });
  };
  const fork = (first: boolean) => {
    const worker = cluster.fork({
      MIGRATE_ON_START: 'false',
      IDP_FIRST_WORKER: first ? 'true' : 'false',
    });
    startedAt.set(worker, Date.now());
    worker.on('error', (error) => logger.warn({ err: error }, 'worker channel error'));
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const timer of restarts) clearTimeout(timer);
    logger.info({ signal }, 'shutting down the workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'idp:metrics-ready') measured.add(worker);
    if (message.type === 'idp:metrics-part') metrics.received(message.id, message.metrics);
    if (message.type === 'idp:metrics-request') {
      const workers = Object.values(cluster.workers ?? {}).filter(
        (each): each is Worker => each !== undefined && measured.has(each) && each.isConnected(),
      );
      metrics
        .collect(workers, (each, id) => send(each, { type: 'idp:metrics-collect', id }))
        .then((text) => send(worker, { type: 'idp:metrics-answer', id: message.id, text }))
        .catch((error: Error) =>
          send(worker, { type: 'idp:metrics-answer', id: message.id, error: error.message }),
        );
    }
  });
  cluster.once('listening', () => {
    listening = true;
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (code !== 0 && signal === null) failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('all workers stopped');
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    if (!listening) {
      // A worker that fails before any has started (a port in use, a
      // database out of reach) would fail again: give up instead of looping.
      logger.error({ code }, 'a worker failed to start: stopping');
      failed = true;
      stop('SIGTERM');
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(1);
      return;
    }
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    if (lived > HEALTHY_AFTER_MS) restartDelay = RESTART_DELAY_MS.first;
    logger.error(
      { pid: worker.process.pid, code, signal, restartInMs: restartDelay },
      'a worker stopped: starting another',
    );
    const timer = setTimeout(() => {
      restarts.delete(timer);
      if (!stopping) fork(false);
    }, restartDelay);
    restarts.add(timer);
    restartDelay = Math.min(restartDelay * 2, RESTART_DELAY_MS.max);
  });

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let i = 0; i < config.workers; i++) fork(i === 0);
  logger.info({ workers: config.workers, port: config.port }, 'workers starting');
}

/**
 * Adds up the workers' registries. A worker that does not answer within
 * COLLECT_MS (starting, hung) is left out rather than failing the scrape;
 * `idp_workers_reporting` says how many answered.
 */
class MetricsCollector {
  readonly #logger: Logger;
  readonly #pending = new Map<number, (part: object[]) => void>();
  #next = 0;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  received(id: number, part: object[]): void {
    this.#pending.get(id)?.(part);
  }

  async collect(workers: Worker[], ask: (worker: Worker, id: number) => void): Promise<string> {
    const id = this.#next++;
    const parts: object[][] = [];
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, COLLECT_MS);
      this.#pending.set(id, (part) => {
        parts.push(part);
        if (parts.length === workers.length) resolve();
      });
      for (const worker of workers) ask(worker, id);
      if (workers.length === 0) resolve();
    });
    clearTimeout(timer);
    this.#pending.delete(id);
    if (parts.length < workers.length) {
      this.#logger.warn(
        { asked: workers.length, answered: parts.length },
        'metrics: not every worker answered in time',
      );
    }
    const registry: Registry = AggregatorRegistry.aggregate(parts);
    new Gauge({
      name: 'idp_workers_reporting',
      help: 'Worker processes whose metrics are included in this scrape.',
      registers: [registry],
    }).set(parts.length);
    return registry.metrics();
  }
}

/** In a worker started by superviseWorkers: whether it is the first (it seeds the demo). */
export const isFirstWorker = () => !cluster.isWorker || process.env.IDP_FIRST_WORKER === 'true';

/**
 * In a worker: answers the supervisor's collections with `registry`, from
 * now on. Does nothing outside a cluster.
 */
export function reportMetricsToSupervisor(registry: Registry): void {
  if (!cluster.isWorker || !process.send) return;
  process.on('message', (message: unknown) => {
    if (!isMessage(message) || message.type !== 'idp:metrics-collect') return;
    registry
      .getMetricsAsJSON()
      .then((metrics) => process.send?.({ type: 'idp:metrics-part', id: message.id, metrics }))
      .catch(() => undefined);
  });
  process.send({ type: 'idp:metrics-ready' } satisfies Message);
}

let nextRequest = 0;

/**
 * The metrics of all workers added up, in the Prometheus text format,
 * asked of the supervisor; undefined outside a cluster.
 */
export function clusterMetricsText(): Promise<string> | undefined {
  if (!cluster.isWorker || !process.send) return undefined;
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!isMessage(message) || message.type !== 'idp:metrics-answer' || message.id !== id) {
        return;
      }
      process.off('message', onMessage);
      clearTimeout(timer);
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.text ?? '');
    };
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('the supervisor did not answer the metrics request'));
    }, ANSWER_MS);
    process.on('message', onMessage);
    process.send?.({ type: 'idp:metrics-request', id } satisfies Message);
  });
}
