import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';
import { RetryColumns } from './retry-columns.js';

/**
 * A message in the outbox: written in the request (or job) that causes it,
 * delivered in the background, retried until it is sent. `dedupeKey` makes a
 * message that must go out once (an expiry warning) unique across instances.
 */
@Entity({ name: 'mail_outbox' })
@Index('ix_mail_outbox_due', ['sentAt', 'nextAttemptAt'])
export class MailMessage extends RetryColumns {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('uq_mail_outbox_dedupe_key', { unique: true })
  @Column({ name: 'dedupe_key', type: 'varchar', length: 191, nullable: true })
  dedupeKey!: string | null;

  /** What the message is about (e.g. `password_changed`), for the log and operators. */
  @Column({ type: 'varchar', length: 64 })
  kind!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  @Column({ type: 'varchar', length: 254 })
  recipient!: string;

  @Column({ type: 'varchar', length: 255 })
  subject!: string;

  @Column({ name: 'text_body', type: 'text' })
  textBody!: string;

  @Column({ name: 'html_body', type: 'text' })
  htmlBody!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt!: number;
}
