import cluster, { type Worker } from 'node:cluster';

import { AggregatorRegistry } from 'prom-client';

import type { Config } from './config/schema.js';
import { createDataSource } from './db/data-source.js';
import type { Logger } from './logger.js';

/**
 * `workers` > 1: this process supervises that many identical server
 * processes on one port (node:cluster hands each new connection to one of
 * them). They are instances like any others on the shared database, so a
 * flow may move between them; a single event loop can then no longer be
 * the limit of one machine. The supervisor runs the migrations once before
 * they start, restarts a worker that dies, passes SIGTERM/SIGINT on and
 * exits when all have stopped, and adds up their metrics for /metrics.
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

  const metrics = new AggregatorRegistry();
  let stopping = false;
  const fork = (first: boolean) =>
    cluster.fork({ MIGRATE_ON_START: 'false', IDP_FIRST_WORKER: first ? 'true' : 'false' });

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMetricsRequest(message)) return;
    metrics
      .clusterMetrics()
      .then((text) => worker.send({ type: METRICS_RESPONSE, id: message.id, text }))
      .catch((error: Error) =>
        worker.send({ type: METRICS_RESPONSE, id: message.id, error: error.message }),
      );
  });
  let listening = false;
  cluster.once('listening', () => {
    listening = true;
  });
  cluster.on('exit', (worker, code, signal) => {
    if (!listening && !stopping) {
      // A worker that fails before any has started (a port in use, a
      // database out of reach) would fail again: give up instead of looping.
      logger.error({ code }, 'a worker failed to start: stopping');
      stop('SIGTERM');
      process.exitCode = 1;
    }
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('all workers stopped');
        process.exit();
      }
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'a worker stopped: starting another');
    setTimeout(() => fork(false), 1000);
  });

  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    logger.info({ signal }, 'shutting down the workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  for (let i = 0; i < config.workers; i++) fork(i === 0);
  logger.info({ workers: config.workers, port: config.port }, 'workers starting');
}

/** In a worker started by superviseWorkers: whether it is the first (it seeds the demo). */
export const isFirstWorker = () => !cluster.isWorker || process.env.IDP_FIRST_WORKER === 'true';

const METRICS_REQUEST = 'idp:metrics-request';
const METRICS_RESPONSE = 'idp:metrics-response';

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}

function isMetricsRequest(message: unknown): message is MetricsRequest {
  return (message as MetricsRequest | null)?.type === METRICS_REQUEST;
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
    const onMessage = (message: { type?: string; id?: number; text?: string; error?: string }) => {
      if (message?.type !== METRICS_RESPONSE || message.id !== id) return;
      process.off('message', onMessage);
      clearTimeout(timer);
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.text ?? '');
    };
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('the supervisor did not answer the metrics request'));
    }, 5000);
    process.on('message', onMessage);
    process.send?.({ type: METRICS_REQUEST, id });
  });
}
