import { Column, Entity, PrimaryColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';

/**
 * Who runs a periodic background job (purge, deliveries, expiry warnings)
 * right now. With several instances on one database, the instance that
 * holds the lease runs the job; the others skip it until the lease lapses.
 */
@Entity({ name: 'job_leases' })
export class JobLease {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 64 })
  holder!: string;

  @Column({ name: 'expires_at', type: 'bigint', transformer: bigintNumber })
  expiresAt!: number;
}
