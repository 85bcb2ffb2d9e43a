import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
} from 'typeorm';

import { User } from './user.js';

/**
 * One of a user's three security questions (by catalogue id) and the scrypt
 * hash of the normalized answer. The answer itself is never stored.
 */
@Entity({ name: 'security_answers' })
@Index('uq_security_answers_question', ['userId', 'questionId'], { unique: true })
export class SecurityAnswer {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  /** 1, 2 or 3: the order the user chose them in. */
  @PrimaryColumn({ type: 'integer' })
  position!: number;

  @Column({ name: 'question_id', type: 'varchar', length: 64 })
  questionId!: string;

  @Column({ name: 'answer_hash', type: 'varchar', length: 255 })
  answerHash!: string;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt!: Date;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_security_answers_user' })
  user?: Relation<User>;
}
