import { Column, Entity, PrimaryColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';

/** A named server secret (cookie signing keys, CSRF key), shared by every instance. */
@Entity({ name: 'secrets' })
export class Secret {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 255 })
  value!: string;

  /** Epoch milliseconds. */
  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt!: number;
}
