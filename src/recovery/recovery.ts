import { createHmac, randomBytes } from 'node:crypto';

import { type DataSource, LessThan } from 'typeorm';

import type { Accounts } from '../accounts/accounts.js';
import type { PasswordProblem } from '../accounts/password-policy.js';
import type { Passwords } from '../accounts/passwords.js';
import { QUESTION_COUNT, type SecurityQuestions } from '../accounts/security-questions.js';
import { usernameKey } from '../accounts/username.js';
import type { Config } from '../config/schema.js';
import { RecoveryState } from '../db/entities/recovery-state.js';
import { User } from '../db/entities/user.js';
import { endAccountAccess } from '../oidc/adapter.js';
import type { AttemptCounters } from '../security/attempt-counters.js';
import { loginCounterKey } from '../security/sign-in-guard.js';

/**
 * 'locked': wrong, and this attempt used the last one allowed. The user sees the same as
 * 'failed'.
 */
export type AnswerOutcome = 'verified' | 'failed' | 'locked';
export type PasswordOutcome =
  | { outcome: 'done' }
  | { outcome: 'used' }
  | { outcome: 'invalid'; problems: PasswordProblem[] };

interface RecoveryDependencies {
  db: DataSource;
  config: Config['recovery'];
  accounts: Accounts;
  questions: SecurityQuestions;
  passwords: Passwords;
  counters: AttemptCounters;
  /** Server secret that picks the decoy questions and binds states to browsers. */
  secret: string;
}

/**
 * Password recovery by security questions. Every username, known or not,
 * gets a state and three questions: a real user's own, or decoys chosen
 * deterministically from the username and a server secret, so the same
 * name always shows the same questions. Unknown, disabled and not-enrolled
 * users cost the same hash work and fail the same way. Answers are limited
 * per account and per client address through attempt counters.
 */
export class Recovery {
  readonly #d: RecoveryDependencies;

  constructor(dependencies: RecoveryDependencies) {
    this.#d = dependencies;
  }

  browserHash(browserId: string): string {
    return createHmac('sha256', this.#d.secret)
      .update(`recovery-browser:${browserId}`)
      .digest('base64url');
  }

  async start(input: {
    username: string;
    browserId: string;
    lang: string;
    interactionUid?: string | undefined;
    clientId?: string | undefined;
  }): Promise<RecoveryState> {
    const user = await this.#d.accounts.findByUsername(input.username);
    const enrolled =
      user?.status === 'active' && (await this.#d.questions.count(user.id)) === QUESTION_COUNT;
    const state: RecoveryState = {
      id: randomBytes(24).toString('base64url'),
      userId: enrolled && user ? user.id : null,
      usernameKey: usernameKey(input.username).slice(0, 64),
      stage: 'questions',
      browser: this.browserHash(input.browserId),
      interactionUid: input.interactionUid ?? null,
      clientId: input.clientId ?? null,
      lang: input.lang,
      expiresAt: Date.now() + this.#d.config.stateTtlSeconds * 1000,
    };
    await this.#d.db.getRepository(RecoveryState).insert(state);
    return state;
  }

  /**
   * The live state with this id for this browser, or undefined (unknown, expired, other
   * browser).
   */
  async find(id: string, browserId: string | undefined): Promise<RecoveryState | undefined> {
    if (!browserId || id.length > 64) return undefined;
    const state = await this.#d.db.getRepository(RecoveryState).findOneBy({ id });
    if (!state || state.expiresAt <= Date.now() || state.browser !== this.browserHash(browserId))
      return undefined;
    return state;
  }

  /** The three question ids this state asks: the user's own, or the username's decoys. */
  async questionIds(state: RecoveryState): Promise<string[]> {
    if (state.userId) {
      const enrolled = await this.#d.questions.enrolled(state.userId);
      if (enrolled.length === QUESTION_COUNT) return enrolled.map((a) => a.questionId);
    }
    return this.#decoys(state.usernameKey);
  }

  async answer(state: RecoveryState, answers: string[], clientIp: string): Promise<AnswerOutcome> {
    const { counters, config, questions } = this.#d;
    const accountKey = `recovery:user:${state.usernameKey}`;
    const ipKey = `recovery:ip:${clientIp}`;
    const accountLimit = { limit: config.maxFailures, lockSeconds: config.lockSeconds };
    const ipLimit = { limit: config.maxFailuresPerIp, lockSeconds: config.ipLockSeconds };

    const byIp = await counters.reserve(ipKey, ipLimit);
    const byAccount = byIp.allowed ? await counters.reserve(accountKey, accountLimit) : byIp;
    const judged = byIp.allowed && byAccount.allowed;
    // An address is charged only for answers that were judged and wrong.
    if (byIp.allowed && !judged) await counters.release(ipKey);

    const enrolled = judged && state.userId ? await questions.enrolled(state.userId) : [];
    // Three hash verifications whatever happens, so that no answer is faster than another.
    const results = await Promise.all(
      answers.slice(0, QUESTION_COUNT).map((answer, i) => {
        const stored = enrolled[i];
        return stored
          ? questions.verify(stored.answerHash, answer)
          : questions.verifyNothing(answer);
      }),
    );
    const correct =
      enrolled.length === QUESTION_COUNT &&
      results.length === QUESTION_COUNT &&
      results.every(Boolean);
    if (!correct) return judged && byAccount.lockedNow ? 'locked' : 'failed';

    await counters.clear(accountKey);
    await counters.release(ipKey);
    const moved = await this.#d.db
      .getRepository(RecoveryState)
      .update({ id: state.id, stage: 'questions' }, { stage: 'verified' });
    return moved.affected === 1 ? 'verified' : 'failed';
  }

  /**
   * Sets the new password, once. The state moves from verified to done in
   * the same transaction as the password, so a second submit (double click,
   * second tab) changes nothing. Every session and token of the user ends.
   */
  async setPassword(state: RecoveryState, password: string): Promise<PasswordOutcome> {
    const { db, passwords } = this.#d;
    const user = state.userId ? await db.getRepository(User).findOneBy({ id: state.userId }) : null;
    if (!user || state.stage !== 'verified') return { outcome: 'used' };

    const problems = await passwords.check(user, password);
    if (problems.length > 0) return { outcome: 'invalid', problems };

    const passwordHash = await passwords.hash(password);
    const done = await db.transaction(async (manager) => {
      const moved = await manager.update(
        RecoveryState,
        { id: state.id, stage: 'verified' },
        { stage: 'done' },
      );
      if (moved.affected !== 1) return false;
      if (!(await passwords.replace(manager, user, password, { passwordHash }))) {
        throw new Error('the password changed while the recovery was saving it');
      }
      return true;
    });
    if (!done) return { outcome: 'used' };

    await endAccountAccess(db, user.id);
    await this.#d.counters.clear(loginCounterKey(user.username));
    return { outcome: 'done' };
  }

  /** An operator lifts a recovery lock. */
  unlock(username: string): Promise<void> {
    return this.#d.counters.clear(`recovery:user:${usernameKey(username)}`);
  }

  lockState(username: string) {
    return this.#d.counters.state(`recovery:user:${usernameKey(username)}`);
  }

  async purgeExpired(): Promise<number> {
    const result = await this.#d.db
      .getRepository(RecoveryState)
      .delete({ expiresAt: LessThan(Date.now()) });
    return result.affected ?? 0;
  }

  #decoys(key: string): string[] {
    const pool = [...this.#d.questions.catalogue];
    const seed = createHmac('sha256', this.#d.secret).update(`recovery-decoy:${key}`).digest();
    const picked: string[] = [];
    for (let i = 0; i < QUESTION_COUNT; i++) {
      const index = seed.readUInt16BE(i * 2) % pool.length;
      picked.push(...pool.splice(index, 1));
    }
    return picked;
  }
}
