import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';
import { RetryColumns } from './retry-columns.js';

/**
 * A session of a user ended, and a product that took part in it is to be
 * told by a back-channel logout token. Written where the session ends (in
 * the same place as the ending, whatever ended it), delivered at once when
 * possible, else retried in the background until the product answers or the
 * attempts run out. The token is signed when it is sent.
 */
@Entity({ name: 'logout_deliveries' })
@Index('ix_logout_deliveries_due', ['sentAt', 'nextAttemptAt'])
export class LogoutDelivery extends RetryColumns {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  /** The user (`sub`) whose session ended. */
  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  /** The session id the product knows (`sid`). */
  @Column({ type: 'varchar', length: 100 })
  sid!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt!: number;
}
