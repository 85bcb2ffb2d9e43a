import { timingSafeEqual } from 'node:crypto';

import type { Middleware } from 'koa';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

import { clusterMetricsText, reportMetricsToSupervisor } from '../cluster.js';

/** Audit event types that are also counted as sign-in outcomes and lockouts. */
const SIGN_IN_OUTCOMES: Record<string, string> = {
  'login.succeeded': 'success',
  'login.failed': 'failure',
};
const LOCKOUTS: Record<string, string> = {
  'login.locked': 'sign_in',
  'recovery.locked': 'recovery',
};

interface PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: number };
}

/**
 * The process's Prometheus metrics. Each instance keeps its own counters;
 * Prometheus sums them across instances. Every application has its own
 * registry, so several can run in one process (as the tests do).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #signIns: Counter<'outcome'>;
  readonly #lockouts: Counter<'kind'>;
  readonly #auditEvents: Counter<'type' | 'outcome'>;
  readonly #tokens: Counter<'grant_type'>;
  readonly #rateLimited: Counter<'limit'>;
  readonly #unavailable: Counter;
  readonly #duration: Histogram<'method' | 'route' | 'status'>;

  constructor(db: DataSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'idp_' });
    this.#signIns = new Counter({
      name: 'idp_sign_ins_total',
      help: 'Password sign-ins by outcome (success, failure).',
      labelNames: ['outcome'],
      registers,
    });
    this.#lockouts = new Counter({
      name: 'idp_lockouts_total',
      help: 'Accounts locked after repeated failures, by kind (sign_in, recovery).',
      labelNames: ['kind'],
      registers,
    });
    this.#auditEvents = new Counter({
      name: 'idp_audit_events_total',
      help: 'Audit events recorded, by type and outcome.',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.#tokens = new Counter({
      name: 'idp_tokens_issued_total',
      help: 'Successful token endpoint responses, by grant type.',
      labelNames: ['grant_type'],
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'idp_rate_limited_total',
      help: 'Requests refused by a per-address rate limit, by limit.',
      labelNames: ['limit'],
      registers,
    });
    this.#unavailable = new Counter({
      name: 'idp_database_unavailable_total',
      help: 'Requests answered 503 because the database could not be reached.',
      registers,
    });
    this.#duration = new Histogram({
      name: 'idp_http_request_duration_seconds',
      help: 'Request latency by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });

    const pool = (db.driver as { pool?: PoolInternals }).pool;
    new Gauge({
      name: 'idp_db_pool_connections',
      help: 'Database pool connections by state (used, idle, max) and requests waiting for one.',
      labelNames: ['state'],
      registers,
      collect() {
        if (!pool?._allConnections) return;
        const all = pool._allConnections.length;
        const idle = pool._freeConnections?.length ?? 0;
        this.set({ state: 'used' }, all - idle);
        this.set({ state: 'idle' }, idle);
        this.set({ state: 'waiting' }, pool._connectionQueue?.length ?? 0);
        if (pool.config?.connectionLimit) this.set({ state: 'max' }, pool.config.connectionLimit);
      },
    });
    // In a worker of a cluster (src/cluster.ts) the supervisor adds this registry up.
    reportMetricsToSupervisor(this.registry);
  }

  audit(type: string, outcome: string): void {
    this.#auditEvents.inc({ type, outcome });
    const signIn = SIGN_IN_OUTCOMES[type];
    if (signIn) this.#signIns.inc({ outcome: signIn });
    const lockout = LOCKOUTS[type];
    if (lockout) this.#lockouts.inc({ kind: lockout });
  }

  tokenIssued(grantType: string): void {
    this.#tokens.inc({ grant_type: grantType });
  }

  rateLimited(limit: string): void {
    this.#rateLimited.inc({ limit });
  }

  databaseUnavailable(): void {
    this.#unavailable.inc();
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.#duration.observe({ method, route, status: String(status) }, seconds);
  }
}

/**
 * Serves the metrics at /metrics; with a token configured, only to requests
 * that carry it as a bearer token.
 */
export function metricsEndpoint(metrics: Metrics, token: string | null): Middleware {
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  return async (ctx, next) => {
    if (ctx.path !== '/metrics' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) {
      return next();
    }
    if (expected) {
      const given = Buffer.from(ctx.get('authorization'));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
        ctx.body = { error: 'unauthorized' };
        return;
      }
    }
    ctx.type = metrics.registry.contentType;
    ctx.body = await (clusterMetricsText() ?? metrics.registry.metrics());
  };
}
