import type { Accounts } from '../accounts/accounts.js';
import type { PasswordHasher } from '../accounts/password-hash.js';
import { usernameKey } from '../accounts/username.js';
import type { Config } from '../config/schema.js';
import type { User } from '../db/entities/user.js';
import type { AttemptCounters } from './attempt-counters.js';

export type SignInResult =
  | { user: User }
  | { user: null; lockedNow: boolean; lockSeconds?: number | undefined };

export const loginCounterKey = (username: string) =>
  `login:user:${usernameKey(username).slice(0, 64)}`;

/**
 * Password checks with a lockout per username (known or not, so a lock says
 * nothing about whether the account exists). An attempt is reserved before
 * the password is judged; a locked name still costs one hash verification
 * and gets the same answer as a wrong password. Each further lockout lasts
 * twice as long, up to a ceiling; a success starts the count afresh.
 */
export class SignInGuard {
  readonly #accounts: Accounts;
  readonly #hasher: PasswordHasher;
  readonly #counters: AttemptCounters;
  readonly #limit: { limit: number; lockSeconds: number; maxLockSeconds: number };

  constructor(
    accounts: Accounts,
    hasher: PasswordHasher,
    counters: AttemptCounters,
    config: Config['signIn'],
  ) {
    this.#accounts = accounts;
    this.#hasher = hasher;
    this.#counters = counters;
    this.#limit = {
      limit: config.maxFailures,
      lockSeconds: config.lockSeconds,
      maxLockSeconds: config.maxLockSeconds,
    };
  }

  async signIn(username: string, password: string): Promise<SignInResult> {
    const key = loginCounterKey(username);
    const reservation = await this.#counters.reserve(key, this.#limit);
    if (!reservation.allowed) {
      await this.#hasher.verifyDummy(password);
      return { user: null, lockedNow: false };
    }

    const user = await this.#accounts.authenticate(username, password);
    if (user) {
      await this.#counters.clear(key);
      return { user };
    }
    return { user: null, lockedNow: reservation.lockedNow, lockSeconds: reservation.lockSeconds };
  }

  unlock(username: string): Promise<void> {
    return this.#counters.clear(loginCounterKey(username));
  }

  lockState(username: string) {
    return this.#counters.state(loginCounterKey(username));
  }
}
