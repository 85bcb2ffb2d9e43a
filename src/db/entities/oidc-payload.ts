import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';

/**
 * Every object oidc-provider stores (sessions, interactions, grants, codes,
 * tokens, clients, ...) is one row here, keyed by its model name and id.
 * The columns beside `payload` are the look-ups the provider needs.
 */
@Entity({ name: 'oidc_payloads' })
@Index('ix_oidc_payloads_grant', ['grantId'])
@Index('ix_oidc_payloads_uid', ['uid'])
@Index('ix_oidc_payloads_user_code', ['userCode'])
@Index('ix_oidc_payloads_expires', ['expiresAt'])
@Index('ix_oidc_payloads_account', ['accountId'])
export class OidcPayload {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  model!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  id!: string;

  @Column({ type: 'text' })
  payload!: string;

  @Column({ name: 'grant_id', type: 'varchar', length: 255, nullable: true })
  grantId!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  uid!: string | null;

  /** The user a session, grant or token belongs to. */
  @Column({ name: 'account_id', type: 'varchar', length: 36, nullable: true })
  accountId!: string | null;

  @Column({ name: 'user_code', type: 'varchar', length: 255, nullable: true })
  userCode!: string | null;

  /** Epoch seconds; null for objects that never expire (clients). */
  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  expiresAt!: number | null;

  /** Epoch seconds of the one successful consume, null until then. */
  @Column({ name: 'consumed_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  consumedAt!: number | null;
}
