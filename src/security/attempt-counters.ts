import { type DataSource, IsNull, type Repository } from 'typeorm';

import { AttemptCounter } from '../db/entities/attempt-counter.js';
import { statementsFor } from '../db/statements.js';

export interface AttemptLimit {
  /** Attempts allowed before the key locks. */
  limit: number;
  /** How long a lock lasts, in seconds. */
  lockSeconds: number;
  /** When set, each further lockout doubles the previous one, up to this many seconds. */
  maxLockSeconds?: number;
}

export interface Reservation {
  allowed: boolean;
  /** This attempt used the last one allowed: the key is locked from now on unless it succeeds. */
  lockedNow: boolean;
  /** When `lockedNow`: how long the lock lasts, in seconds. */
  lockSeconds?: number;
}

const MAX_RACES = 25;

/**
 * Limits guessing per key. An attempt first reserves a slot; only a reserved
 * attempt may be judged, so however many requests arrive at once, at most
 * `limit` are ever judged before the lock, on any number of instances
 * sharing the database. The attempt that takes the last slot also sets the
 * lock, so a counter can never be full without a lock that runs out.
 *
 * The first attempt on a key creates its row with that attempt counted, in
 * one statement that only one request can win; every later change is a
 * compare-and-set: an UPDATE that only matches the row as it was read. A
 * request that loses either race reads again.
 */
export class AttemptCounters {
  readonly #db: DataSource;
  readonly #rows: Repository<AttemptCounter>;
  readonly #createSql: string;

  constructor(db: DataSource) {
    this.#db = db;
    this.#rows = db.getRepository(AttemptCounter);
    const ignore = db.options.type === 'better-sqlite3' ? 'OR IGNORE' : 'IGNORE';
    this.#createSql =
      `INSERT ${ignore} INTO attempt_counters (counter_key, attempts, lockouts, locked_until) ` +
      'VALUES (?, 1, ?, ?)';
  }

  /** Reserves one attempt; not allowed while the key is locked. */
  async reserve(key: string, limit: AttemptLimit): Promise<Reservation> {
    const created = await this.#createWithFirstAttempt(key, limit);
    if (created) return created;

    for (let race = 0; race < MAX_RACES; race++) {
      const row = await this.#rows.findOneBy({ key });
      if (!row) continue;
      const now = Date.now();
      if (row.lockedUntil !== null && row.lockedUntil > now)
        return { allowed: false, lockedNow: false };

      // An expired lock starts the count afresh (the lockout count stays, for doubling).
      const attempts = (row.lockedUntil === null ? row.attempts : 0) + 1;
      const lockedNow = attempts >= limit.limit;
      const lockSeconds = lockDuration(limit, row.lockouts);
      const next = {
        attempts,
        lockouts: lockedNow ? row.lockouts + 1 : row.lockouts,
        lockedUntil: lockedNow ? now + lockSeconds * 1000 : null,
      };
      if (await this.#swap(row, next)) {
        return lockedNow ? { allowed: true, lockedNow, lockSeconds } : { allowed: true, lockedNow };
      }
    }
    // Contention this heavy is itself a sign of guessing: refuse.
    return { allowed: false, lockedNow: false };
  }

  /**
   * Gives back a reserved attempt that was not a failure (it succeeded, or
   * was never judged), lifting the lock it may have set.
   */
  async release(key: string): Promise<void> {
    for (let race = 0; race < MAX_RACES; race++) {
      const row = await this.#rows.findOneBy({ key });
      if (!row || row.attempts === 0) return;
      const lockedByIt = row.lockedUntil !== null;
      const next = {
        attempts: row.attempts - 1,
        lockouts: lockedByIt ? Math.max(0, row.lockouts - 1) : row.lockouts,
        lockedUntil: null,
      };
      if (await this.#swap(row, next)) return;
    }
  }

  /** A success on the account, or an operator lifting the lock: start from zero. */
  async clear(key: string): Promise<void> {
    await statementsFor(this.#db).run('DELETE FROM attempt_counters WHERE counter_key = ?', [key]);
  }

  async state(
    key: string,
  ): Promise<{ attempts: number; lockouts: number; lockedUntil: Date | null }> {
    const row = await this.#rows.findOneBy({ key });
    const locked =
      row?.lockedUntil && row.lockedUntil > Date.now() ? new Date(row.lockedUntil) : null;
    return { attempts: row?.attempts ?? 0, lockouts: row?.lockouts ?? 0, lockedUntil: locked };
  }

  /**
   * The common case, a key with no row (no failures since its last
   * success): the row is created with this attempt counted. Undefined when
   * the row exists already, or another request created it first.
   */
  async #createWithFirstAttempt(
    key: string,
    limit: AttemptLimit,
  ): Promise<Reservation | undefined> {
    const lockedNow = limit.limit <= 1;
    const lockSeconds = lockDuration(limit, 0);
    const created = await statementsFor(this.#db).run(this.#createSql, [
      key,
      lockedNow ? 1 : 0,
      lockedNow ? Date.now() + lockSeconds * 1000 : null,
    ]);
    if (created !== 1) return undefined;
    return lockedNow ? { allowed: true, lockedNow, lockSeconds } : { allowed: true, lockedNow };
  }

  async #swap(row: AttemptCounter, next: Omit<AttemptCounter, 'key'>): Promise<boolean> {
    const result = await this.#rows.update(
      {
        key: row.key,
        attempts: row.attempts,
        lockouts: row.lockouts,
        lockedUntil: row.lockedUntil === null ? IsNull() : row.lockedUntil,
      },
      next,
    );
    return result.affected === 1;
  }
}

function lockDuration(limit: AttemptLimit, earlierLockouts: number): number {
  if (!limit.maxLockSeconds) return limit.lockSeconds;
  return Math.min(limit.lockSeconds * 2 ** earlierLockouts, limit.maxLockSeconds);
}
