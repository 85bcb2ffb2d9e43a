import { Column } from 'typeorm';

import { bigintNumber } from '../transformers.js';

/**
 * The columns a table needs to be worked as a retry queue (see
 * src/jobs/retry-queue.ts). Times are epoch milliseconds.
 */
export abstract class RetryColumns {
  @Column({ name: 'next_attempt_at', type: 'bigint', transformer: bigintNumber })
  nextAttemptAt!: number;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** An instance working on the item holds it until then; another may take it after. */
  @Column({ name: 'claimed_until', type: 'bigint', nullable: true, transformer: bigintNumber })
  claimedUntil!: number | null;

  @Column({ name: 'sent_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  sentAt!: number | null;

  /** Set when the item was given up after the last attempt. */
  @Column({ name: 'failed_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  failedAt!: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError!: string | null;
}
