import type { DataSource, EntityManager } from 'typeorm';

import { PasswordHistory } from '../db/entities/password-history.js';
import { User } from '../db/entities/user.js';
import { endAccountAccess } from '../oidc/adapter.js';
import type { PasswordHasher } from './password-hash.js';
import type { PasswordPolicy, PasswordProblem } from './password-policy.js';

/**
 * Choosing a new password: the policy check (history included) and the
 * write. Used by the first-sign-in step and, later, by recovery and the
 * profile page, so every path applies the same rules.
 */
export class Passwords {
  readonly policy: PasswordPolicy;
  readonly #db: DataSource;
  readonly #hasher: PasswordHasher;
  constructor(db: DataSource, hasher: PasswordHasher, policy: PasswordPolicy) {
    this.#db = db;
    this.#hasher = hasher;
    this.policy = policy;
  }

  /** The hash to store for a new password; computed before a transaction opens. */
  hash(password: string): Promise<string> {
    return this.#hasher.hash(password);
  }

  /** The problems with `password` for this user; empty when it may be used. */
  check(user: User, password: string): Promise<PasswordProblem[]> {
    return this.policy.check({
      password,
      username: user.username,
      isReused: (candidate) => this.#isReused(user, candidate),
    });
  }

  /**
   * Replaces the password inside the caller's transaction, if the stored
   * hash is still the one the caller read: of two tabs changing it at once,
   * one wins and the other learns (false) that the user changed it already.
   */
  async replace(
    manager: EntityManager,
    user: User,
    password: string,
    options: { temporary?: boolean; passwordHash?: string } = {},
  ): Promise<boolean> {
    const now = new Date();
    const passwordHash = options.passwordHash ?? (await this.#hasher.hash(password));
    const result = await manager.update(
      User,
      { id: user.id, passwordHash: user.passwordHash },
      {
        passwordHash,
        passwordChangedAt: now,
        mustChangePassword: options.temporary ?? false,
        passwordExpired: false,
        updatedAt: now,
      },
    );
    if (result.affected !== 1) return false;

    if (this.policy.historySize > 0) {
      await manager.insert(PasswordHistory, {
        userId: user.id,
        passwordHash: user.passwordHash,
        createdAt: now,
      });
      const kept = await manager.find(PasswordHistory, {
        where: { userId: user.id },
        order: { id: 'DESC' },
        take: this.policy.historySize,
        select: { id: true },
      });
      const oldestKept = kept.at(-1)?.id;
      if (oldestKept !== undefined) {
        await manager
          .createQueryBuilder()
          .delete()
          .from(PasswordHistory)
          .where('user_id = :userId AND id < :oldestKept', { userId: user.id, oldestKept })
          .execute();
      }
    }
    return true;
  }

  /**
   * An operator's reset: a temporary password the user must replace at the
   * next sign-in. The old password goes into the history, and every session
   * and token of the user ends.
   */
  async resetToTemporary(user: User, temporaryPassword: string): Promise<void> {
    const passwordHash = await this.#hasher.hash(temporaryPassword);
    let replaced = false;
    for (let attempt = 0; attempt < 3 && !replaced; attempt++) {
      const current =
        attempt === 0 ? user : await this.#db.getRepository(User).findOneByOrFail({ id: user.id });
      replaced = await this.#db.transaction((manager) =>
        this.replace(manager, current, temporaryPassword, { temporary: true, passwordHash }),
      );
    }
    if (!replaced) throw new Error(`the password of ${user.username} kept changing; try again`);
    await endAccountAccess(this.#db, user.id);
  }

  async #isReused(user: User, password: string): Promise<boolean> {
    const earlier = this.policy.historySize
      ? await this.#db.getRepository(PasswordHistory).find({
          where: { userId: user.id },
          order: { id: 'DESC' },
          take: this.policy.historySize,
        })
      : [];
    const hashes = [user.passwordHash, ...earlier.map((entry) => entry.passwordHash)];
    const matches = await Promise.all(hashes.map((hash) => this.#hasher.verify(hash, password)));
    return matches.includes(true);
  }
}
