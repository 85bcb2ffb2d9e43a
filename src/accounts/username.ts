/**
 * Usernames are trimmed, may not contain whitespace, and compare
 * case-insensitively: `usernameKey` is the form the unique index holds.
 */
export const USERNAME_PATTERN = /^[\p{L}\p{N}._@+-]{1,64}$/u;

export function normalizeUsername(input: string): string {
  return input.normalize('NFKC').trim();
}

export function usernameKey(input: string): string {
  return normalizeUsername(input).toLowerCase();
}

export function isValidUsername(input: string): boolean {
  return USERNAME_PATTERN.test(normalizeUsername(input));
}
