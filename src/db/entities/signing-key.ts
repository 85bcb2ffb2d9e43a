import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { bigintNumber } from '../transformers.js';

/**
 * A private JWK the provider signs with. The newest key of each algorithm
 * signs; older ones stay published in the JWKS so that tokens they signed
 * still verify. `slot` is set only for the keys made on first start, so that
 * instances starting at once on an empty database agree on one set.
 */
@Entity({ name: 'signing_keys' })
export class SigningKey {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ type: 'varchar', length: 16 })
  alg!: string;

  @Column({ name: 'private_jwk', type: 'text' })
  privateJwk!: string;

  @Index('uq_signing_keys_slot', { unique: true })
  @Column({ type: 'varchar', length: 32, nullable: true })
  slot!: string | null;

  /** Epoch milliseconds. */
  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt!: number;
}
