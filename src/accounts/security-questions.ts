import type { DataSource, EntityManager } from 'typeorm';

import { SecurityAnswer } from '../db/entities/security-answer.js';
import { statementsFor } from '../db/statements.js';
import type { PasswordHasher } from './password-hash.js';

export const QUESTION_COUNT = 3;
const MAX_ANSWER_LENGTH = 200;

/**
 * The one normalization every answer goes through, at enrolment, at change
 * and at recovery: compatibility forms folded (NFKC), case folded, outer
 * spaces trimmed and inner runs of white space collapsed to one space.
 */
export function normalizeAnswer(answer: string): string {
  return answer.normalize('NFKC').toUpperCase().toLowerCase().replace(/\s+/gu, ' ').trim();
}

export interface ChosenQuestion {
  questionId: string;
  answer: string;
}

/** A problem with one field of the questions form: a catalogue key under `questions.errors`. */
export interface QuestionProblem {
  field: string;
  key: string;
  values?: Record<string, number>;
}

export class SecurityQuestions {
  readonly catalogue: readonly string[];
  readonly #db: DataSource;
  readonly #hasher: PasswordHasher;
  readonly #minLength: number;

  constructor(
    db: DataSource,
    hasher: PasswordHasher,
    catalogue: readonly string[],
    minLength: number,
  ) {
    this.#db = db;
    this.#hasher = hasher;
    this.catalogue = catalogue;
    this.#minLength = minLength;
  }

  /**
   * The rules of the SPEC: three different catalogue questions, answers long enough, all
   * different, and neither the username nor the password.
   */
  check(
    chosen: ChosenQuestion[],
    context: { username: string; password?: string | undefined },
  ): QuestionProblem[] {
    const problems: QuestionProblem[] = [];
    const seenQuestions = new Set<string>();
    const seenAnswers = new Set<string>();
    const username = normalizeAnswer(context.username);
    const password = context.password === undefined ? undefined : normalizeAnswer(context.password);

    chosen.forEach(({ questionId, answer }, index) => {
      const n = index + 1;
      if (!this.catalogue.includes(questionId))
        problems.push({ field: `question_${n}`, key: 'questionRequired' });
      else if (seenQuestions.has(questionId))
        problems.push({ field: `question_${n}`, key: 'questionRepeated' });
      seenQuestions.add(questionId);

      const normalized = normalizeAnswer(answer);
      const field = `answer_${n}`;
      if (normalized.length === 0) problems.push({ field, key: 'answerRequired' });
      else if ([...normalized].length < this.#minLength) {
        problems.push({ field, key: 'answerTooShort', values: { min: this.#minLength } });
      } else if (answer.length > MAX_ANSWER_LENGTH) {
        problems.push({ field, key: 'answerTooLong', values: { max: MAX_ANSWER_LENGTH } });
      } else if (normalized === username) problems.push({ field, key: 'answerIsUsername' });
      else if (normalized === password) problems.push({ field, key: 'answerIsPassword' });
      else if (seenAnswers.has(normalized)) problems.push({ field, key: 'answerRepeated' });
      seenAnswers.add(normalized);
    });
    return problems;
  }

  /** The user's questions in their chosen order, with the answer hashes. */
  enrolled(userId: string): Promise<SecurityAnswer[]> {
    return this.#db
      .getRepository(SecurityAnswer)
      .find({ where: { userId }, order: { position: 'ASC' } });
  }

  /** Checks an answer the way it was stored: normalized, against its own hash. */
  verify(answerHash: string, answer: string): Promise<boolean> {
    return this.#hasher.verify(answerHash, normalizeAnswer(answer));
  }

  /** The same work as verify(), for an answer with nothing to compare against. */
  verifyNothing(answer: string): Promise<false> {
    return this.#hasher.verifyDummy(normalizeAnswer(answer));
  }

  async count(userId: string): Promise<number> {
    const [row] = await statementsFor(this.#db).rows<{ answers: number | string }>(
      'SELECT COUNT(*) AS answers FROM security_answers WHERE user_id = ?',
      [userId],
    );
    return Number(row?.answers ?? 0);
  }

  /** Hashes the answers (slow work, done before any transaction opens), one row per question. */
  async prepare(userId: string, chosen: ChosenQuestion[]): Promise<SecurityAnswer[]> {
    const now = new Date();
    return Promise.all(
      chosen.map(async ({ questionId, answer }, index) => ({
        userId,
        position: index + 1,
        questionId,
        answerHash: await this.#hasher.hash(normalizeAnswer(answer)),
        createdAt: now,
      })),
    );
  }

  /** Replaces the user's questions and answers with prepared ones, in the caller's transaction. */
  async replace(manager: EntityManager, rows: SecurityAnswer[]): Promise<void> {
    const userId = rows[0]?.userId;
    if (!userId) return;
    await manager.delete(SecurityAnswer, { userId });
    await manager.insert(SecurityAnswer, rows);
  }

  /**
   * Stores prepared answers inside the caller's transaction. Returns false
   * when the user already has questions (another tab was first); the
   * primary key (user, position) settles a race.
   */
  async enrol(manager: EntityManager, rows: SecurityAnswer[]): Promise<boolean> {
    const userId = rows[0]?.userId;
    if (!userId || (await manager.countBy(SecurityAnswer, { userId })) > 0) return false;
    await manager.insert(SecurityAnswer, rows);
    return true;
  }
}
