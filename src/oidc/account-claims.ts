import type { Account, AccountClaims, KoaContextWithOIDC } from 'oidc-provider';

import type { Accounts } from '../accounts/accounts.js';
import type { PasswordExpiry } from '../accounts/password-expiry.js';
import type { User } from '../db/entities/user.js';

/** The claims each scope releases. Discovery lists them as `claims_supported`. */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale'],
  email: ['email', 'email_verified'],
  // The products' own settings for the user, and when the password expires
  // (seconds since the epoch; absent when passwords never expire).
  preferences: ['default_country', 'start_page', 'password_expires_at'],
} as const;

function fullName(user: User): string | undefined {
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return name || undefined;
}

export function claimsOf(user: User, expiry: PasswordExpiry): AccountClaims {
  const expiresAt = expiry.expiresAt(user);
  return {
    sub: user.id,
    preferred_username: user.username,
    name: fullName(user),
    given_name: user.firstName ?? undefined,
    family_name: user.lastName ?? undefined,
    locale: user.preferredLanguage ?? undefined,
    email: user.email ?? undefined,
    // Addresses are typed twice by the user but never confirmed by a link.
    email_verified: user.email ? false : undefined,
    default_country: user.defaultCountry ?? undefined,
    start_page: user.startPage ?? undefined,
    password_expires_at: expiresAt ? Math.floor(expiresAt.getTime() / 1000) : undefined,
  };
}

/** The account oidc-provider holds for a request, with the user row it was read from. */
export interface UserAccount extends Account {
  user: User;
}

/**
 * oidc-provider's `findAccount`: a disabled or deleted user has no account, so their tokens
 * stop working. The account carries its user row, so the interaction checks of the same
 * request need not read it again.
 */
export function accountFinder(accounts: Accounts, expiry: PasswordExpiry) {
  return async (_ctx: KoaContextWithOIDC, sub: string): Promise<UserAccount | undefined> => {
    const user = await accounts.findById(sub);
    if (user?.status !== 'active') return undefined;
    return { accountId: user.id, user, claims: () => claimsOf(user, expiry) };
  };
}
