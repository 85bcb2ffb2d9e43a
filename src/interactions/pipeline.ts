import { interactionPolicy as policies } from 'oidc-provider';

import type { InteractionStep } from './step.js';
import { consentStep } from './steps/consent.js';
import { loginStep } from './steps/login.js';

/**
 * The interaction pipeline: the prompts a sign-in passes through, in order.
 * oidc-provider evaluates them top to bottom at every authorization request
 * and stops at the first whose checks fire; its step module then shows a
 * page and, when its form succeeds, hands the result back.
 *
 * 1. login   - no session, or the product forces a fresh sign-in
 *              (prompt=login, max_age).
 * 2. consent - a product that is not first-party asks for scopes or claims
 *              the user has not granted it yet. First-party products are
 *              granted what they ask for without a page (see
 *              loadExistingGrant in oidc/provider.ts).
 */
export function interactionPolicy() {
  return policies.base();
}

/** The step module that handles each prompt of the policy above. */
export const STEPS: Readonly<Record<string, InteractionStep>> = {
  login: loginStep,
  consent: consentStep,
};
