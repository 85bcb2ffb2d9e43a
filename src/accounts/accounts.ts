import { randomBytes, randomUUID } from 'node:crypto';

import type { DataSource, Repository } from 'typeorm';

import { User, type UserStatus } from '../db/entities/user.js';
import { rowReader } from '../db/row-reader.js';
import { AppError } from '../errors.js';
import { endAccountAccess } from '../oidc/adapter.js';
import type { PasswordHasher } from './password-hash.js';
import { isValidUsername, normalizeUsername, usernameKey } from './username.js';

/** Letters and digits that cannot be mistaken for each other when read aloud or on paper. */
const TEMPORARY_ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** Longer passwords are refused (after the same hash work) rather than hashed at length. */
const MAX_PASSWORD = 1024;

/**
 * Temporary passwords are typed once and replaced at once, but must still resist guessing
 * meanwhile.
 */
const MIN_TEMPORARY_LENGTH = 10;

export function generateTemporaryPassword(length = 16): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  // Rejection sampling keeps every character equally likely.
  for (const byte of bytes) {
    if (byte >= 256 - (256 % TEMPORARY_ALPHABET.length)) continue;
    out += TEMPORARY_ALPHABET[byte % TEMPORARY_ALPHABET.length];
    if (out.length === length) return out;
  }
  return out + generateTemporaryPassword(length - out.length);
}

export class Accounts {
  readonly #db: DataSource;
  readonly #users: Repository<User>;
  readonly #hasher: PasswordHasher;
  readonly #byId: (id: string) => Promise<User | null>;
  readonly #byUsernameKey: (key: string) => Promise<User | null>;

  constructor(db: DataSource, hasher: PasswordHasher) {
    this.#db = db;
    this.#users = db.getRepository(User);
    this.#hasher = hasher;
    this.#byId = rowReader(db, User, 'id');
    this.#byUsernameKey = rowReader(db, User, 'usernameKey');
  }

  findById(id: string): Promise<User | null> {
    return this.#byId(id);
  }

  findByUsername(username: string): Promise<User | null> {
    return this.#byUsernameKey(usernameKey(username));
  }

  async getByUsername(username: string): Promise<User> {
    const user = await this.findByUsername(username);
    if (!user)
      throw new AppError('users.not_found', `no user named "${username}"`, { status: 404 });
    return user;
  }

  /**
   * Checks a username and password. Unknown and disabled users cost the same
   * hash work as real ones and give the same answer, null. A hash made with an
   * older cost is replaced after a successful check.
   */
  async authenticate(username: string, password: string): Promise<User | null> {
    const user =
      isValidUsername(username) && password.length <= MAX_PASSWORD
        ? await this.findByUsername(username)
        : null;
    if (!user) return this.#hasher.verifyDummy(password).then(() => null);

    const valid = await this.#hasher.verify(user.passwordHash, password);
    if (!valid || user.status !== 'active') return null;

    if (this.#hasher.needsRehash(user.passwordHash)) {
      const passwordHash = await this.#hasher.hash(password);
      await this.#users.update({ id: user.id }, { passwordHash, updatedAt: new Date() });
      user.passwordHash = passwordHash;
    }
    return user;
  }

  async create(input: { username: string; temporaryPassword: string }): Promise<User> {
    if (!isValidUsername(input.username)) {
      throw new AppError(
        'users.invalid_username',
        'a username is 1 to 64 letters, digits or . _ @ + -, without spaces',
      );
    }
    if ([...input.temporaryPassword].length < MIN_TEMPORARY_LENGTH) {
      throw new AppError(
        'users.weak_temporary_password',
        `a temporary password needs at least ${MIN_TEMPORARY_LENGTH} characters`,
      );
    }
    if (await this.findByUsername(input.username)) {
      throw new AppError('users.duplicate', `a user named "${input.username}" already exists`, {
        status: 409,
      });
    }

    const now = new Date();
    const user = this.#users.create({
      id: randomUUID(),
      username: normalizeUsername(input.username),
      usernameKey: usernameKey(input.username),
      passwordHash: await this.#hasher.hash(input.temporaryPassword),
      passwordChangedAt: now,
      status: 'active',
      mustChangePassword: true,
      email: null,
      emailKey: null,
      firstName: null,
      lastName: null,
      preferredLanguage: null,
      defaultCountry: null,
      startPage: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      return await this.#users.save(user);
    } catch (error) {
      // Two operators adding the same name at once: the unique index decides.
      if (await this.findByUsername(input.username)) {
        throw new AppError('users.duplicate', `a user named "${input.username}" already exists`, {
          status: 409,
        });
      }
      throw error;
    }
  }

  /** Disabling also ends every session and token the user holds. */
  async setStatus(username: string, status: UserStatus): Promise<User> {
    const user = await this.getByUsername(username);
    await this.#users.update({ id: user.id }, { status, updatedAt: new Date() });
    if (status === 'disabled') await endAccountAccess(this.#db, user.id);
    return { ...user, status };
  }

  list(): Promise<User[]> {
    return this.#users.find({ order: { usernameKey: 'ASC' } });
  }

  count(): Promise<number> {
    return this.#users.count();
  }
}
