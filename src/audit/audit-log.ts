import type { Context } from 'koa';
import { type DataSource, type FindOptionsWhere, LessThan, MoreThanOrEqual } from 'typeorm';

import { AuditEvent, type AuditOutcome } from '../db/entities/audit-event.js';
import { statementsFor } from '../db/statements.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';

export interface AuditRecord {
  type: string;
  outcome: AuditOutcome;
  userId?: string | null | undefined;
  clientId?: string | null | undefined;
  /** Event-specific facts. Callers never put secrets here. */
  detail?: Record<string, string | number | boolean | null>;
}

/**
 * Writes the audit trail: one row per event, and the same event in the log.
 * Recording never fails the request it describes; a database error is
 * logged instead.
 */
export class AuditLog {
  readonly #db: DataSource;
  readonly #logger: Logger;
  readonly #metrics: Metrics | undefined;

  constructor(db: DataSource, logger: Logger, metrics?: Metrics) {
    this.#db = db;
    this.#logger = logger;
    this.#metrics = metrics;
  }

  async record(event: AuditRecord, ctx?: Pick<Context, 'ip' | 'get'>): Promise<void> {
    const row = {
      occurredAt: Date.now(),
      type: event.type,
      outcome: event.outcome,
      userId: event.userId ?? null,
      clientId: event.clientId ?? null,
      ip: ctx?.ip?.slice(0, 64) ?? null,
      userAgent: ctx?.get('user-agent')?.slice(0, 255) || null,
      detail: event.detail ? JSON.stringify(event.detail) : null,
    };
    this.#logger.info(
      {
        event: event.type,
        outcome: event.outcome,
        sub: row.userId,
        client: row.clientId,
        ...event.detail,
      },
      'audit',
    );
    this.#metrics?.audit(event.type, event.outcome);
    try {
      // One plain statement: every sign-in writes one of these.
      await statementsFor(this.#db).run(
        'INSERT INTO audit_events (occurred_at, type, user_id, client_id, ip, user_agent, ' +
          'outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [
          row.occurredAt,
          row.type,
          row.userId,
          row.clientId,
          row.ip,
          row.userAgent,
          row.outcome,
          row.detail,
        ],
      );
    } catch (error) {
      this.#logger.error({ err: error, event: event.type }, 'audit event not stored');
    }
  }

  /** Deletes events older than the retention; returns how many went. */
  async purge(retentionDays: number): Promise<number> {
    const cutoff = Date.now() - retentionDays * 86_400_000;
    const result = await this.#db
      .getRepository(AuditEvent)
      .delete({ occurredAt: LessThan(cutoff) });
    return result.affected ?? 0;
  }

  list(filter: {
    userId?: string;
    type?: string;
    since?: Date;
    limit?: number;
  }): Promise<AuditEvent[]> {
    const where: FindOptionsWhere<AuditEvent> = {};
    if (filter.userId) where.userId = filter.userId;
    if (filter.type) where.type = filter.type;
    if (filter.since) where.occurredAt = MoreThanOrEqual(filter.since.getTime());
    return this.#db.getRepository(AuditEvent).find({
      where,
      order: { occurredAt: 'DESC', id: 'DESC' },
      take: filter.limit ?? 100,
    });
  }
}
