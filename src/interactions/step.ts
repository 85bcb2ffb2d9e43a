import type { Context } from 'koa';
import type Provider from 'oidc-provider';

import type { User } from '../db/entities/user.js';
import type { Services } from '../services.js';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** A message shown beside a field (or above the form when `field` is absent). */
export interface FieldError {
  field?: string;
  message: string;
  /** The line in the error summary, when the message alone does not say which field it is about. */
  summary?: string;
}

export interface StepRequest {
  ctx: Context;
  details: InteractionDetails;
  services: Services;
  lang: string;
  /** The account signed in to this interaction (none before the login step), read once. */
  user: User | null;
  /** The parsed form body of a POST. */
  form: Record<string, string>;
  /** Renders a view of this step with the form action and CSRF token filled in. */
  render(view: string, data: Record<string, unknown> & { title: string }, status?: number): void;
  /**
   * Ends this step and hands the result back to oidc-provider, which
   * redirects on. Results are not merged with the previous step's by
   * default: re-applying an earlier login result would start a new session
   * and strand interactions open in other tabs.
   */
  finish(result: Parameters<Provider['interactionFinished']>[2], merge?: boolean): Promise<void>;
}

/** One prompt of the interaction pipeline: the page it shows and what its form does. */
export interface InteractionStep {
  show(request: StepRequest): Promise<void>;
  submit(request: StepRequest): Promise<void>;
}

/** The signed-in account of a step that comes after the login. */
export function signedInUser(request: StepRequest): User {
  if (!request.user) throw new Error('the interaction has no account');
  return request.user;
}
