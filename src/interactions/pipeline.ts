import type { KoaContextWithOIDC } from 'oidc-provider';
import { interactionPolicy as policies } from 'oidc-provider';

import type { Accounts } from '../accounts/accounts.js';
import type { Entitlements } from '../accounts/entitlements.js';
import type { PasswordExpiry } from '../accounts/password-expiry.js';
import type { PendingSteps, Registration } from '../accounts/registration.js';
import type { User } from '../db/entities/user.js';
import type { UserAccount } from '../oidc/account-claims.js';
import type { InteractionStep } from './step.js';
import { consentStep } from './steps/consent.js';
import { entitlementStep } from './steps/entitlement.js';
import { loginStep } from './steps/login.js';
import { passwordExpiredStep } from './steps/password-expired.js';
import { personalDetailsStep } from './steps/personal-details.js';
import { securityStep } from './steps/security.js';

const { Check, Prompt } = policies;

/**
 * The interaction pipeline: the prompts a sign-in passes through, in order.
 * oidc-provider evaluates them top to bottom at every authorization request
 * and stops at the first whose checks fire; its step module then shows a
 * page and, when its form succeeds, hands the result back. Because the
 * checks read the stored account each time, a new authorization request, a
 * second tab or the back button lands on the first unfinished step.
 *
 * 1. login            - no session, the session's account is disabled or
 *                       gone, the product forces a fresh sign-in
 *                       (prompt=login, max_age), or the password expired
 *                       and the sign-in is not recent.
 * 2. entitlement      - the user may not use this product (it is not open to
 *                       all, and no operator granted it): a page, then
 *                       access_denied back to the product.
 * 3. password_expired - the password is older than passwordExpiry.maxAgeDays
 *                       or an operator expired it.
 * 4. security         - step 1 of the one-time registration: the password is
 *                       temporary, and/or no security questions are chosen.
 * 5. personal_details - step 2 of the registration: email, last name or
 *                       preferred language missing.
 * 6. consent          - a product that is not first-party asks for scopes
 *                       or claims the user has not granted it yet.
 *                       First-party products are granted what they ask for
 *                       without a page (loadExistingGrant in
 *                       oidc/provider.ts).
 * No product receives a code before every step above it is satisfied.
 */
export function interactionPolicy(
  accounts: Accounts,
  registration: Registration,
  expiry: PasswordExpiry,
  entitlements: Entitlements,
  recentSignInSeconds: number,
) {
  // The checks of one request share one read of the account (the one
  // oidc-provider made for the session, when it has one) and one look at
  // the pending registration steps.
  const userByRequest = new WeakMap<object, Promise<User | null>>();
  const userOf = (ctx: KoaContextWithOIDC): Promise<User | null> => {
    let user = userByRequest.get(ctx);
    if (!user) {
      const accountId = ctx.oidc.session?.accountId;
      const loaded = ctx.oidc.account as UserAccount | undefined;
      user =
        loaded?.accountId === accountId && loaded?.user
          ? Promise.resolve(loaded.user)
          : accountId
            ? accounts.findById(accountId)
            : Promise.resolve(null);
      userByRequest.set(ctx, user);
    }
    return user;
  };
  const pendingByRequest = new WeakMap<object, Promise<PendingSteps | undefined>>();
  const pending = (ctx: KoaContextWithOIDC): Promise<PendingSteps | undefined> => {
    let steps = pendingByRequest.get(ctx);
    if (!steps) {
      steps = userOf(ctx).then((user) => (user ? registration.pending(user) : undefined));
      pendingByRequest.set(ctx, steps);
    }
    return steps;
  };

  const policy = policies.base();

  // A session whose account was disabled or deleted signs in afresh.
  policy
    .get('login')
    ?.checks.add(
      new Check('account_gone', 'End-User authentication is required', 'login_required', (ctx) =>
        Boolean(ctx.oidc.session?.accountId && !ctx.oidc.account),
      ),
      0,
    );
  // Choosing a new password for an expired one needs a sign-in that just
  // happened: a long-lived single sign-on session (perhaps someone else's
  // hands on an unattended browser) signs in again first.
  policy.get('login')?.checks.add(
    new Check(
      'expired_password_needs_fresh_sign_in',
      'End-User authentication is required',
      'login_required',
      async (ctx) => {
        const user = await userOf(ctx);
        if (!user || !expiry.isExpired(user)) return false;
        const authTime = ctx.oidc.session?.authTime() ?? 0;
        return Date.now() / 1000 - authTime > recentSignInSeconds;
      },
    ),
    1,
  );
  policy.add(
    new Prompt(
      { name: 'entitlement', requestable: false },
      new Check(
        'not_entitled',
        'the user has no access to this product',
        'access_denied',
        async (ctx) => {
          const user = await userOf(ctx);
          const client = ctx.oidc.client;
          return Boolean(user && client && !(await entitlements.allows(user.id, client)));
        },
      ),
    ),
    1,
  );
  policy.add(
    new Prompt(
      { name: 'password_expired', requestable: false },
      new Check('password_expired', 'the password has expired', async (ctx) => {
        const user = await userOf(ctx);
        return Boolean(user && expiry.isExpired(user));
      }),
    ),
    2,
  );
  policy.add(
    new Prompt(
      { name: 'security', requestable: false },
      new Check(
        'password_change_required',
        'the temporary password must be replaced',
        async (ctx) => Boolean((await pending(ctx))?.password),
      ),
      new Check('security_questions_missing', 'security questions must be chosen', async (ctx) =>
        Boolean((await pending(ctx))?.questions),
      ),
    ),
    3,
  );
  policy.add(
    new Prompt(
      { name: 'personal_details', requestable: false },
      new Check('personal_details_incomplete', 'personal details must be completed', async (ctx) =>
        Boolean((await pending(ctx))?.details),
      ),
    ),
    4,
  );
  return policy;
}

/** The step module that handles each prompt of the policy above. */
export const STEPS: Readonly<Record<string, InteractionStep>> = {
  login: loginStep,
  entitlement: entitlementStep,
  password_expired: passwordExpiredStep,
  security: securityStep,
  personal_details: personalDetailsStep,
  consent: consentStep,
};
