import type { DataSource } from 'typeorm';

import { AttemptCounter } from '../db/entities/attempt-counter.js';

export interface AttemptLimit {
  /** Attempts allowed before the key locks. */
  limit: number;
  /** How long a lock lasts, in seconds. */
  lockSeconds: number;
  /** When set, each further lockout doubles the previous one, up to this many seconds. */
  maxLockSeconds?: number;
}

/**
 * Limits guessing per key. An attempt first reserves a slot with one
 * conditional UPDATE; only a reserved attempt may be evaluated. So however
 * many requests arrive at once, at most `limit` are ever judged before the
 * lock, on any number of instances sharing the database.
 */
export class AttemptCounters {
  readonly #db: DataSource;

  constructor(db: DataSource) {
    this.#db = db;
  }

  /** Reserves one attempt; false when the key is locked (or would exceed its limit). */
  async reserve(key: string, { limit }: AttemptLimit): Promise<boolean> {
    await this.#db
      .createQueryBuilder()
      .insert()
      .into(AttemptCounter)
      .values({ key, attempts: 0, lockouts: 0, lockedUntil: null })
      .orIgnore()
      .execute();

    // An expired lock starts the count afresh. (MySQL applies SET clauses in
    // order, so `attempts` is computed before `locked_until` is cleared.)
    const result = await this.#db
      .createQueryBuilder()
      .update(AttemptCounter)
      .set({
        attempts: () =>
          'CASE WHEN locked_until IS NOT NULL AND locked_until <= :now THEN 1 ELSE attempts + 1 END',
        lockedUntil: () =>
          'CASE WHEN locked_until IS NOT NULL AND locked_until <= :now THEN NULL ELSE locked_until END',
      })
      .where('counter_key = :key', { key })
      .andWhere('(attempts < :limit OR (locked_until IS NOT NULL AND locked_until <= :now))', {
        limit,
      })
      .setParameter('now', Date.now())
      .execute();
    return result.affected === 1;
  }

  /**
   * A reserved attempt failed: once the limit is reached, lock the key for a
   * while. Of several requests reaching the limit together, one sets the
   * lock (the update only matches an unlocked row); it returns true.
   */
  async failed(
    key: string,
    { limit, lockSeconds, maxLockSeconds }: AttemptLimit,
  ): Promise<boolean> {
    const row = await this.#db.getRepository(AttemptCounter).findOneBy({ key });
    if (!row || row.attempts < limit || row.lockedUntil !== null) return false;
    const seconds = maxLockSeconds
      ? Math.min(lockSeconds * 2 ** row.lockouts, maxLockSeconds)
      : lockSeconds;
    const result = await this.#db
      .createQueryBuilder()
      .update(AttemptCounter)
      .set({ lockedUntil: Date.now() + seconds * 1000, lockouts: () => 'lockouts + 1' })
      .where('counter_key = :key AND attempts >= :limit AND locked_until IS NULL', { key, limit })
      .execute();
    return result.affected === 1;
  }

  /** A reserved attempt succeeded, or an operator lifts the lock: start from zero. */
  async clear(key: string): Promise<void> {
    await this.#db.getRepository(AttemptCounter).delete({ key });
  }

  async state(key: string): Promise<{ attempts: number; lockedUntil: Date | null }> {
    const row = await this.#db.getRepository(AttemptCounter).findOneBy({ key });
    const locked =
      row?.lockedUntil && row.lockedUntil > Date.now() ? new Date(row.lockedUntil) : null;
    return { attempts: row?.attempts ?? 0, lockedUntil: locked };
  }
}
