import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';

/** Requests counted for one key (scope and client address) in one fixed time window. */
@Entity({ name: 'rate_windows' })
@Index('ix_rate_windows_start', ['windowStart'])
export class RateWindow {
  @PrimaryColumn({ name: 'counter_key', type: 'varchar', length: 191 })
  key!: string;

  /** Epoch milliseconds at which the window began. */
  @PrimaryColumn({ name: 'window_start', type: 'bigint', transformer: bigintNumber })
  windowStart!: number;

  @Column({ type: 'integer', default: 0 })
  hits!: number;
}
