import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';

/** A user may sign in to a product (client) that is not open to every user. */
@Entity({ name: 'entitlements' })
@Index('ix_entitlements_client', ['clientId'])
export class Entitlement {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  @Column({ name: 'granted_at', type: 'bigint', transformer: bigintNumber })
  grantedAt!: number;
}
