import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';

export type AuditOutcome = 'success' | 'failure' | 'info';

/**
 * Something that happened to an account or a client: sign-ins, lockouts,
 * registration steps, recoveries, consents, operator changes. Never holds a
 * password, an answer, a token or a cookie.
 */
@Entity({ name: 'audit_events' })
@Index('ix_audit_events_time', ['occurredAt'])
@Index('ix_audit_events_user', ['userId'])
@Index('ix_audit_events_type', ['type'])
export class AuditEvent {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** Epoch milliseconds. */
  @Column({ name: 'occurred_at', type: 'bigint', transformer: bigintNumber })
  occurredAt!: number;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 255, nullable: true })
  clientId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 255, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome!: AuditOutcome;

  /** A small JSON object with event-specific facts. */
  @Column({ type: 'text', nullable: true })
  detail!: string | null;
}
