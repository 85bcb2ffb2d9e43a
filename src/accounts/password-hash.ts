import { randomBytes } from 'node:crypto';

import * as scryptModule from 'scrypt-kdf';

import type { Config } from '../config/schema.js';

// scrypt-kdf 4 declares named exports, but its runtime module only has a
// default export holding a class with static methods. This is the one place
// that knows.
const Scrypt = (scryptModule as unknown as { default: unknown }).default as {
  kdf(passphrase: string, params: { logN: number; r: number; p: number }): Promise<Uint8Array>;
  verify(key: Uint8Array, passphrase: string): Promise<boolean>;
  viewParams(key: Uint8Array): { logN: number; r: number; p: number };
};

export type HashCost = Config['passwordHash'];

/**
 * Hashes and verifies secrets (passwords, later security answers) with
 * scrypt-kdf. Hashes are stored base64-encoded; each carries its own cost,
 * so the configured cost can change without invalidating old hashes.
 */
export class PasswordHasher {
  readonly #cost: HashCost;
  #dummy: Promise<string> | undefined;

  constructor(cost: HashCost) {
    this.#cost = { ...cost };
  }

  async hash(secret: string): Promise<string> {
    const key = await Scrypt.kdf(secret.normalize('NFC'), this.#cost);
    return Buffer.from(key).toString('base64');
  }

  async verify(stored: string, secret: string): Promise<boolean> {
    return Scrypt.verify(Buffer.from(stored, 'base64'), secret.normalize('NFC'));
  }

  /**
   * Does the same work as verify() against a hash nobody knows the secret of.
   * Used for unknown usernames so that they cost as much as known ones.
   */
  async verifyDummy(secret: string): Promise<false> {
    this.#dummy ??= this.hash(randomBytes(32).toString('base64'));
    await this.verify(await this.#dummy, secret);
    return false;
  }

  /** True when a stored hash was made with another cost than the configured one. */
  needsRehash(stored: string): boolean {
    const params = Scrypt.viewParams(Buffer.from(stored, 'base64'));
    return (
      params.logN !== this.#cost.logN || params.r !== this.#cost.r || params.p !== this.#cost.p
    );
  }
}
