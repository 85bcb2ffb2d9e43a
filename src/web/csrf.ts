import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Form tokens bound to something only the rightful browser holds (an
 * interaction id, which lives in a signed, path-scoped cookie). A token is
 * an HMAC of that binding under a server secret shared by every instance,
 * so no server-side storage is needed and any instance can check it.
 */
export class CsrfTokens {
  readonly #key: string;

  constructor(key: string) {
    this.#key = key;
  }

  issue(binding: string): string {
    return createHmac('sha256', this.#key).update(`csrf:${binding}`).digest('base64url');
  }

  verify(binding: string, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const expected = Buffer.from(this.issue(binding));
    const actual = Buffer.from(token);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
