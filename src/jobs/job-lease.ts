import { randomUUID } from 'node:crypto';

import type { DataSource } from 'typeorm';

import { JobLease } from '../db/entities/job-lease.js';

/**
 * Leases for periodic jobs, so that a job runs on one instance at a time
 * however many share the database. Taking a lease is one conditional
 * UPDATE (or the INSERT of its first row): of instances racing for it,
 * one wins. The holder renews it each time it runs; if the holder stops,
 * the lease lapses after its time and another instance takes over.
 */
export class JobLeases {
  readonly holder = randomUUID();
  readonly #db: DataSource;

  constructor(db: DataSource) {
    this.#db = db;
  }

  /** True when this instance holds (or now took) the lease `name` for the next `ms`. */
  async acquire(name: string, ms: number): Promise<boolean> {
    const now = Date.now();
    await this.#db
      .createQueryBuilder()
      .insert()
      .into(JobLease)
      .values({ name, holder: this.holder, expiresAt: now + ms })
      .orIgnore()
      .execute();
    const taken = await this.#db
      .createQueryBuilder()
      .update(JobLease)
      .set({ holder: this.holder, expiresAt: now + ms })
      .where('name = :name', { name })
      .andWhere('(holder = :holder OR expires_at < :now)', { holder: this.holder, now })
      .execute();
    return taken.affected === 1;
  }

  /** Gives a lease up (at shutdown), so another instance need not wait for it to lapse. */
  async release(name: string): Promise<void> {
    await this.#db.getRepository(JobLease).delete({ name, holder: this.holder });
  }
}
