import { Column, Entity, PrimaryColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';

/**
 * Failed attempts at something guessable (passwords, security answers),
 * per key: an account (`recovery:user:<username>`) or a client
 * address (`recovery:ip:<address>`). Updated only by single conditional
 * statements, so parallel requests cannot get past the limit.
 */
@Entity({ name: 'attempt_counters' })
export class AttemptCounter {
  @PrimaryColumn({ name: 'counter_key', type: 'varchar', length: 191 })
  key!: string;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** Lockouts since the last success: each further one lasts twice as long (up to a ceiling). */
  @Column({ type: 'integer', default: 0 })
  lockouts!: number;

  /** Epoch milliseconds until which no attempt is allowed; null when not locked. */
  @Column({ name: 'locked_until', type: 'bigint', nullable: true, transformer: bigintNumber })
  lockedUntil!: number | null;
}
