import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';

export type RecoveryStage = 'questions' | 'verified' | 'done';

/**
 * One password recovery in progress. The browser holds only the random id;
 * which account it concerns is known here alone. `userId` is null when the
 * username was unknown, disabled or without questions: such a recovery shows
 * decoy questions and can never succeed.
 */
@Entity({ name: 'recovery_states' })
@Index('ix_recovery_states_expires', ['expiresAt'])
export class RecoveryState {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  /** The case-folded username as typed: decoys and the attempt counter are keyed on it. */
  @Column({ name: 'username_key', type: 'varchar', length: 64 })
  usernameKey!: string;

  @Column({ type: 'varchar', length: 16 })
  stage!: RecoveryStage;

  /**
   * Keyed hash of the browser's recovery cookie: the state only works in the browser that began
   * it.
   */
  @Column({ type: 'varchar', length: 64 })
  browser!: string;

  /** The sign-in interaction the recovery began from, to return to it. */
  @Column({ name: 'interaction_uid', type: 'varchar', length: 64, nullable: true })
  interactionUid!: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 255, nullable: true })
  clientId!: string | null;

  @Column({ type: 'varchar', length: 8 })
  lang!: string;

  /** Epoch milliseconds. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: bigintNumber })
  expiresAt!: number;
}
