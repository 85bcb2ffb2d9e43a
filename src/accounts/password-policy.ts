import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';

import type { Config } from '../config/schema.js';

export type PasswordPolicyConfig = Config['passwordPolicy'];

/** A rule as the "?" control lists it: a catalogue key under `password.rules` and its values. */
export interface PasswordRule {
  key: string;
  values?: Record<string, number>;
}

/** Why a password was refused: a catalogue key under `password.errors` and its values. */
export interface PasswordProblem {
  key: string;
  values?: Record<string, number>;
}

export interface PasswordCandidate {
  password: string;
  username: string;
  /**
   * Checks whether the password equals the current one or one of the
   * remembered earlier ones. Supplied by the caller, which owns the hashes.
   */
  isReused: (password: string) => Promise<boolean>;
}

const COMPOSITION = [
  ['requireLowercase', 'lowercase', /\p{Ll}/u],
  ['requireUppercase', 'uppercase', /\p{Lu}/u],
  ['requireDigit', 'digit', /\p{Nd}/u],
  ['requireSymbol', 'symbol', /[^\p{L}\p{Nd}\s]/u],
] as const;

/**
 * The password rules. The same object enforces them and lists them on the
 * page, so what users read is what is checked. Passwords are compared in
 * Unicode NFC and never trimmed; length counts code points.
 */
export class PasswordPolicy {
  readonly #config: PasswordPolicyConfig;
  readonly #zxcvbn = new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
  });

  constructor(config: PasswordPolicyConfig) {
    this.#config = config;
  }

  /** How many earlier passwords may not come back. */
  get historySize(): number {
    return this.#config.historySize;
  }

  rules(): PasswordRule[] {
    const c = this.#config;
    const rules: PasswordRule[] = [
      { key: 'length', values: { min: c.minLength, max: c.maxLength } },
      { key: 'username' },
    ];
    if (c.historySize > 0) rules.push({ key: 'history', values: { count: c.historySize } });
    else rules.push({ key: 'current' });
    if (c.minStrength > 0) rules.push({ key: 'common' });
    for (const [setting, key] of COMPOSITION) if (c[setting]) rules.push({ key });
    return rules;
  }

  /**
   * Every rule the password breaks, cheapest checks first; reuse (hash work) only when the rest
   * pass.
   */
  async check(candidate: PasswordCandidate): Promise<PasswordProblem[]> {
    const c = this.#config;
    const password = candidate.password.normalize('NFC');
    const length = [...password].length;
    const problems: PasswordProblem[] = [];

    if (length < c.minLength) problems.push({ key: 'tooShort', values: { min: c.minLength } });
    if (length > c.maxLength) problems.push({ key: 'tooLong', values: { max: c.maxLength } });
    const username = candidate.username.normalize('NFKC').toLowerCase();
    if (username && password.toLowerCase().includes(username))
      problems.push({ key: 'containsUsername' });
    for (const [setting, key, pattern] of COMPOSITION) {
      if (c[setting] && !pattern.test(password)) problems.push({ key });
    }
    if (problems.length === 0 && c.minStrength > 0) {
      const result = await this.#zxcvbn.check(password, [candidate.username]);
      if (result.score < c.minStrength) problems.push({ key: 'common' });
    }
    if (problems.length === 0 && (await candidate.isReused(password))) {
      problems.push(
        c.historySize > 0
          ? { key: 'reused', values: { count: c.historySize } }
          : { key: 'current' },
      );
    }
    return problems;
  }
}
