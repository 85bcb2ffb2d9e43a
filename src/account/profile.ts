import type { DataSource } from 'typeorm';
import type { PasswordProblem } from '../accounts/password-policy.js';
import type { Passwords } from '../accounts/passwords.js';
import { checkPersonalDetails, type DetailsProblem } from '../accounts/personal-details.js';
import type {
  ChosenQuestion,
  QuestionProblem,
  SecurityQuestions,
} from '../accounts/security-questions.js';
import { User } from '../db/entities/user.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { endAccountAccess } from '../oidc/adapter.js';
import { isCountryCode } from './countries.js';

/** The profile fields a form may send; a field it does not send stays as stored. */
export interface ProfileFields {
  email?: string;
  email_confirmation?: string;
  first_name?: string;
  last_name?: string;
  language?: string;
  default_country?: string;
  start_page?: string;
}

export type ProfileProblem = DetailsProblem;

export type DetailsChange =
  | { outcome: 'saved'; changed: string[]; previousEmail: string | null; user: User }
  | { outcome: 'invalid'; problems: ProfileProblem[] };

/**
 * Changes to a signed-in user's own account from the profile page. Every
 * change merges what the form sent into the stored record and checks the
 * result with the same rules as the first sign-in, so a required field can
 * never be emptied by leaving it out, and a field that is not sent is not
 * touched.
 */
export class Profile {
  readonly #db: DataSource;
  readonly #passwords: Passwords;
  readonly #questions: SecurityQuestions;
  readonly #languages: readonly string[];

  constructor(
    db: DataSource,
    passwords: Passwords,
    questions: SecurityQuestions,
    languages: readonly string[],
  ) {
    this.#db = db;
    this.#passwords = passwords;
    this.#questions = questions;
    this.#languages = languages;
  }

  /** Email, names, language and product preferences; `startPages` are the ids offered. */
  async updateDetails(
    user: User,
    fields: ProfileFields,
    startPages: readonly string[],
  ): Promise<DetailsChange> {
    const emailSent = fields.email !== undefined;
    const checked = checkPersonalDetails(
      {
        email: fields.email ?? user.email ?? '',
        emailConfirmation: emailSent ? (fields.email_confirmation ?? '') : (user.email ?? ''),
        firstName: fields.first_name ?? user.firstName ?? '',
        lastName: fields.last_name ?? user.lastName ?? '',
        language: fields.language ?? user.preferredLanguage ?? '',
      },
      this.#languages,
    );
    const problems: ProfileProblem[] = [...checked.problems];
    const country = fields.default_country?.trim().toUpperCase();
    if (country && !isCountryCode(country)) {
      problems.push({ field: 'default_country', key: 'countryInvalid' });
    }
    const startPage = fields.start_page?.trim();
    if (startPage && !startPages.includes(startPage)) {
      problems.push({ field: 'start_page', key: 'startPageInvalid' });
    }
    if (!checked.details || problems.length > 0) return { outcome: 'invalid', problems };

    const next: Partial<User> = {
      email: checked.details.email,
      emailKey: checked.details.emailKey,
      firstName: checked.details.firstName,
      lastName: checked.details.lastName,
      preferredLanguage: checked.details.preferredLanguage,
      ...(country !== undefined ? { defaultCountry: country || null } : {}),
      ...(startPage !== undefined ? { startPage: startPage || null } : {}),
    };
    const changed = (Object.keys(next) as (keyof User)[]).filter(
      (key) => key !== 'emailKey' && next[key] !== user[key],
    );
    if (changed.length === 0) return { outcome: 'saved', changed, previousEmail: user.email, user };
    try {
      // Only the fields that changed are written: a concurrent change of
      // another section is not overwritten with what this page read earlier.
      const patch = Object.fromEntries(changed.map((key) => [key, next[key]])) as Partial<User>;
      if (changed.includes('email')) patch.emailKey = next.emailKey ?? null;
      await this.#db
        .getRepository(User)
        .update({ id: user.id }, { ...patch, updatedAt: new Date() });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return { outcome: 'invalid', problems: [{ field: 'email', key: 'emailTaken' }] };
    }
    return {
      outcome: 'saved',
      changed: changed.map(String),
      previousEmail: user.email,
      user: { ...user, ...next },
    };
  }

  /** The policy problems with a new password (history and strength included). */
  checkPassword(user: User, password: string): Promise<PasswordProblem[]> {
    return this.#passwords.check(user, password);
  }

  /** Sets a new password; false when it changed meanwhile (another tab). */
  async changePassword(user: User, password: string): Promise<boolean> {
    const passwordHash = await this.#passwords.hash(password);
    return this.#db.transaction((manager) =>
      this.#passwords.replace(manager, user, password, { passwordHash }),
    );
  }

  checkQuestions(user: User, chosen: ChosenQuestion[]): QuestionProblem[] {
    return this.#questions.check(chosen, { username: user.username });
  }

  async changeQuestions(user: User, chosen: ChosenQuestion[]): Promise<void> {
    const rows = await this.#questions.prepare(user.id, chosen);
    await this.#db.transaction((manager) => this.#questions.replace(manager, rows));
  }

  /**
   * Ends every session of the user but `keepSessionUid`, with the sign-ins
   * in progress and the tokens issued in those sessions; the products of
   * the ended sessions are told by back-channel logout. What the kept
   * session's products hold stays valid. Returns how many records went.
   */
  endOtherSessions(userId: string, keepSessionUid: string): Promise<number> {
    return endAccountAccess(this.#db, userId, { keepSessionUid });
  }
}
