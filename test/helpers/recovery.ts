import { type BrowserAgent, expectPage, type Page } from './browser-agent.js';

export const ANSWERS = ['Rasmus Hansen', 'Lindeskolen', 'Volvo'];

/**
 * From a login page: follow "forgot your password?", give the username; returns the questions
 * page.
 */
export async function startRecovery(
  agent: BrowserAgent,
  login: Page,
  username: string,
): Promise<Page> {
  const link = login.document
    .querySelectorAll('a')
    .find((a) => a.getAttribute('href')?.startsWith('/recovery'));
  if (!link) throw new Error('no recovery link on the login page');
  const start = await agent.open(new URL(link.getAttribute('href') as string, login.url).href);
  return expectPage(await agent.submit(start, { username }));
}

export function answerForm(answers: string[]): Record<string, string> {
  return Object.fromEntries(answers.map((answer, i) => [`answer_${i + 1}`, answer]));
}

export const questionTexts = (page: Page) =>
  page.document.querySelectorAll('main form label').map((label) => label.text.trim());
