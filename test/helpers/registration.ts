import type { ExecutionContext } from 'ava';

import { BrowserAgent, expectPage, type Page } from './browser-agent.js';
import { TestRelyingParty } from './relying-party.js';
import { TestProvider } from './server.js';

export const NEW_PASSWORD = 'Blåbærgrød med fløde 42';

export const QUESTIONS = {
  question_1: 'best-school-friend',
  answer_1: 'Rasmus Hansen',
  question_2: 'first-school',
  answer_2: 'Lindeskolen',
  question_3: 'first-car',
  answer_3: 'Volvo Amazon',
};

export const DETAILS = {
  email: 'anna.berg@example.com',
  email_confirmation: 'anna.berg@example.com',
  first_name: 'Anna',
  last_name: 'Berg',
  language: 'en',
};

export const heading = (page: Page) => page.document.querySelector('h1')?.text.trim();

/** Submits step 1 (password and questions) and returns the next page. */
export async function submitSecurity(
  agent: BrowserAgent,
  page: Page,
  values: Record<string, string> = {},
) {
  return agent.submit(page, {
    new_password: NEW_PASSWORD,
    new_password_repeat: NEW_PASSWORD,
    ...QUESTIONS,
    ...values,
  });
}

export const TEMPORARY = 'Midlertidig-kode-9876';

/** A provider, a product and a new user who has just signed in with the temporary password: on step 1. */
export async function atStepOne(t: ExecutionContext, lang = 'da') {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const user = await provider.addNewUser('anna.berg', TEMPORARY);
  const agent = new BrowserAgent(provider.issuer, lang);
  const pending = await rp.authorize({ ui_locales: lang });
  const login = await agent.open(pending.url.href);
  const step1 = expectPage(
    await agent.submit(login, { username: 'anna.berg', password: TEMPORARY }),
  );
  return { provider, rp, user, agent, pending, step1 };
}

/** The message shown beside a field. */
export const errorFor = (page: Page, field: string) =>
  page.document.querySelector(`#${field}-error`)?.text.trim();
