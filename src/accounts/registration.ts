import type { DataSource } from 'typeorm';

import { User } from '../db/entities/user.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import type { Passwords } from './passwords.js';
import type { PersonalDetails } from './personal-details.js';
import type { ChosenQuestion, SecurityQuestions } from './security-questions.js';

/** Which steps of the one-time registration a user still has to complete. */
export interface PendingSteps {
  password: boolean;
  questions: boolean;
  details: boolean;
}

export type SaveOutcome = 'saved' | 'already-done' | 'email-taken';

/**
 * The first-sign-in registration: what is pending, and saving each step.
 * Pending steps are derived from the stored account every time, never
 * remembered in a session, so no request can skip one.
 */
export class Registration {
  readonly #db: DataSource;
  readonly #passwords: Passwords;
  readonly #questions: SecurityQuestions;

  constructor(db: DataSource, passwords: Passwords, questions: SecurityQuestions) {
    this.#db = db;
    this.#passwords = passwords;
    this.#questions = questions;
  }

  async pending(user: User): Promise<PendingSteps> {
    return {
      password: user.mustChangePassword,
      questions: (await this.#questions.count(user.id)) === 0,
      details: !user.email || !user.lastName || !user.preferredLanguage,
    };
  }

  /**
   * Step 1: the new password and/or the three questions, in one transaction.
   * 'already-done' when another request completed the step first; nothing
   * of this one is then written.
   */
  async saveSecurity(
    user: User,
    input: { password?: string; questions?: ChosenQuestion[] },
  ): Promise<SaveOutcome> {
    // The slow hashing happens first, so the transaction holds nothing while it runs.
    const passwordHash =
      input.password === undefined ? undefined : await this.#passwords.hash(input.password);
    const answers = input.questions
      ? await this.#questions.prepare(user.id, input.questions)
      : undefined;
    try {
      return await this.#db.transaction(async (manager): Promise<SaveOutcome> => {
        if (input.password !== undefined && passwordHash !== undefined) {
          if (!(await this.#passwords.replace(manager, user, input.password, { passwordHash }))) {
            throw new AlreadyDone();
          }
        }
        if (answers && !(await this.#questions.enrol(manager, answers))) throw new AlreadyDone();
        return 'saved';
      });
    } catch (error) {
      if (error instanceof AlreadyDone || isUniqueViolation(error)) return 'already-done';
      throw error;
    }
  }

  /** Step 2. The unique index on the normalized address settles two users claiming it at once. */
  async saveDetails(user: User, details: PersonalDetails): Promise<SaveOutcome> {
    try {
      await this.#db
        .getRepository(User)
        .update({ id: user.id }, { ...details, updatedAt: new Date() });
      return 'saved';
    } catch (error) {
      if (isUniqueViolation(error)) return 'email-taken';
      throw error;
    }
  }
}

class AlreadyDone extends Error {}
