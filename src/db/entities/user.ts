import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { integerBoolean } from '../transformers.js';

export type UserStatus = 'active' | 'disabled';

/**
 * An end user's account. `id` is random and never changes: it is the `sub`
 * claim. `usernameKey` is the case-folded username the unique index uses;
 * `username` keeps the operator's spelling for display.
 */
@Entity({ name: 'users' })
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  username!: string;

  @Index('uq_users_username_key', { unique: true })
  @Column({ name: 'username_key', type: 'varchar', length: 64 })
  usernameKey!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ name: 'password_changed_at', type: 'datetime' })
  passwordChangedAt!: Date;

  @Column({ type: 'varchar', length: 16 })
  status!: UserStatus;

  @Column({
    name: 'must_change_password',
    type: 'tinyint',
    default: 0,
    transformer: integerBoolean,
  })
  mustChangePassword!: boolean;

  /** Set by an operator: the password counts as expired whatever its age. */
  @Column({
    name: 'password_expired',
    type: 'tinyint',
    default: 0,
    transformer: integerBoolean,
  })
  passwordExpired!: boolean;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @Index('uq_users_email_key', { unique: true })
  @Column({ name: 'email_key', type: 'varchar', length: 254, nullable: true })
  emailKey!: string | null;

  @Column({ name: 'first_name', type: 'varchar', length: 100, nullable: true })
  firstName!: string | null;

  @Column({ name: 'last_name', type: 'varchar', length: 100, nullable: true })
  lastName!: string | null;

  @Column({ name: 'preferred_language', type: 'varchar', length: 8, nullable: true })
  preferredLanguage!: string | null;

  @Column({ name: 'default_country', type: 'varchar', length: 2, nullable: true })
  defaultCountry!: string | null;

  @Column({ name: 'start_page', type: 'varchar', length: 255, nullable: true })
  startPage!: string | null;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime' })
  updatedAt!: Date;
}
