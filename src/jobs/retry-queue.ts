import {
  type DataSource,
  type EntityTarget,
  type FindOptionsWhere,
  IsNull,
  LessThanOrEqual,
} from 'typeorm';

import type { Logger } from '../logger.js';

/** The columns a table needs to be worked as a retry queue. */
export interface RetryRow {
  id: string;
  nextAttemptAt: number;
  attempts: number;
  claimedUntil: number | null;
  sentAt: number | null;
  failedAt: number | null;
  lastError: string | null;
}

/** How long one instance holds an item it is working on before another may try. */
const CLAIM_MS = 60_000;

/**
 * Work kept in a database table and done in the background with retries:
 * any number of instances may work the same table at once, because each
 * item is claimed with one conditional UPDATE before it is done, so it is
 * done once. A failed item is retried after a delay that doubles from
 * `firstRetryMs` up to `lastRetryMs`, and given up after `maxAttempts`.
 */
export class RetryQueue<T extends RetryRow> {
  readonly #db: DataSource;
  readonly #target: EntityTarget<T>;
  readonly #logger: Logger;
  readonly #options: { maxAttempts: number; firstRetryMs: number; lastRetryMs: number };

  constructor(
    db: DataSource,
    target: EntityTarget<T>,
    logger: Logger,
    options: { maxAttempts: number; firstRetryMs: number; lastRetryMs: number },
  ) {
    this.#db = db;
    this.#target = target;
    this.#logger = logger;
    this.#options = options;
  }

  /**
   * Does every item that is due with `work`, one at a time; returns how many
   * succeeded. `describe` names an item in the log (never its content).
   */
  async workDue(
    work: (item: T) => Promise<void>,
    describe: (item: T) => Record<string, unknown>,
    now = Date.now(),
  ): Promise<number> {
    const where = {
      sentAt: IsNull(),
      failedAt: IsNull(),
      nextAttemptAt: LessThanOrEqual(now),
    } as FindOptionsWhere<T>;
    const due = await this.#db.getRepository(this.#target).find({
      where,
      order: { nextAttemptAt: 'ASC' } as never,
      take: 50,
    });
    let done = 0;
    for (const item of due) if (await this.workOne(item, work, describe, now)) done++;
    return done;
  }

  /** Does one item now, if no other instance holds it; true when it succeeded. */
  async workOne(
    item: T,
    work: (item: T) => Promise<void>,
    describe: (item: T) => Record<string, unknown>,
    now = Date.now(),
  ): Promise<boolean> {
    if (!(await this.#claim(item.id, now))) return false;
    try {
      await work(item);
    } catch (error) {
      await this.#failed(item, error, describe(item));
      return false;
    }
    await this.#update(item.id, { sentAt: Date.now(), claimedUntil: null });
    return true;
  }

  /** Deletes finished and given-up items older than `days`. */
  async purge(days: number): Promise<number> {
    const cutoff = Date.now() - days * 86_400_000;
    const result = await this.#db
      .createQueryBuilder()
      .delete()
      .from(this.#target)
      .where('(sent_at IS NOT NULL AND sent_at < :cutoff)', { cutoff })
      .orWhere('(failed_at IS NOT NULL AND failed_at < :cutoff)', { cutoff })
      .execute();
    return result.affected ?? 0;
  }

  async #claim(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .createQueryBuilder()
      .update(this.#target)
      .set({ claimedUntil: now + CLAIM_MS } as never)
      .where('id = :id AND sent_at IS NULL AND failed_at IS NULL', { id })
      .andWhere('(claimed_until IS NULL OR claimed_until < :now)', { now })
      .execute();
    return result.affected === 1;
  }

  #update(id: string, values: Partial<RetryRow>) {
    return this.#db.getRepository(this.#target).update({ id } as never, values as never);
  }

  async #failed(item: T, error: unknown, described: Record<string, unknown>): Promise<void> {
    const { maxAttempts, firstRetryMs, lastRetryMs } = this.#options;
    const attempts = item.attempts + 1;
    const giveUp = attempts >= maxAttempts;
    const reason = error instanceof Error ? error.message : String(error);
    await this.#update(item.id, {
      attempts,
      claimedUntil: null,
      nextAttemptAt: Date.now() + Math.min(firstRetryMs * 2 ** (attempts - 1), lastRetryMs),
      failedAt: giveUp ? Date.now() : null,
      lastError: reason.slice(0, 255),
    });
    const fields = { ...described, attempts, reason };
    if (giveUp) this.#logger.error(fields, 'given up after the last attempt');
    else this.#logger.warn(fields, 'attempt failed; will retry');
  }
}
