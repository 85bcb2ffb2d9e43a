import type { BrowserAgent, Page } from './browser-agent.js';

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
