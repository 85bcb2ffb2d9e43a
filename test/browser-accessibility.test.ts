import { AxeBuilder } from '@axe-core/playwright';
import test, { type ExecutionContext } from 'ava';
import type { Page } from 'playwright-core';

import { User } from '../src/db/entities/user.js';
import { launchBrowser, startDemoProduct } from './helpers/browser.js';
import { ANSWERS } from './helpers/recovery.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';
const TEMPORARY = 'Midlertidig-kode-9876';
/** WCAG's reflow width: what a 1280 px window shows at 400 % zoom, and a small phone. */
const NARROW = { width: 320, height: 720 };

/**
 * axe-core finds no violation, the page does not scroll sideways at 320 px
 * (so it also works at 200 % zoom), and `<html lang>` is the page language.
 */
async function checkPage(t: ExecutionContext, page: Page, lang: string, label: string) {
  const result = await new AxeBuilder({ page }).analyze();
  t.deepEqual(
    result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `${label} (${lang})`,
  );
  const overflow = await page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
  t.true(overflow <= 0, `${label} (${lang}) scrolls sideways by ${overflow} px at 320 px`);
  t.is(await page.getAttribute('html', 'lang'), lang, `${label}: html lang`);
}

const submit = (page: Page) => page.locator('main form button[type="submit"]').first().click();

for (const lang of ['da', 'en'] as const) {
  test(`every page passes axe-core and reflows at 320 px (${lang})`, async (t) => {
    // Twenty-odd pages, each analysed by axe in a real browser: slow on a busy machine.
    t.timeout(300_000);
    const provider = await TestProvider.start(t);
    const partner = await TestRelyingParty.register(provider, { id: 'partner', firstParty: false });
    // A product with a tile on the start page that nobody was granted.
    const closed = await TestRelyingParty.register(provider, {
      id: 'closed',
      name: 'Garanti@Net',
      description: { da: 'Garantier', en: 'Guarantees' },
      clientUri: 'http://localhost:9/',
      openToAll: false,
    });
    await provider.addNewUser('new.user', TEMPORARY);
    await provider.addUser('anna', PASSWORD, ANSWERS);
    await provider.addUser('old.timer', PASSWORD, ANSWERS);
    await provider.services.db
      .getRepository(User)
      .update(
        { username: 'old.timer' },
        { passwordChangedAt: new Date(Date.now() - 100 * 86_400_000) },
      );
    const browser = await launchBrowser(t);
    const fresh = async () => {
      const context = await browser.newContext({ viewport: NARROW, locale: lang });
      return context.newPage();
    };
    const check = (page: Page, label: string) => checkPage(t, page, lang, label);
    const authorize = async () => (await partner.authorize({ ui_locales: lang })).url.href;

    // Pages outside any sign-in.
    let page = await fresh();
    await page.goto(`${provider.issuer}/?lang=${lang}`);
    await check(page, 'start page');
    await page.goto(`${provider.issuer}/no-such-page`);
    await check(page, 'not found');
    await page.goto(`${provider.issuer}/auth?client_id=unknown&response_type=code`);
    await check(page, 'protocol error');

    // First sign-in: login, both registration steps with and without errors, consent.
    await page.goto(await authorize());
    await check(page, 'login');
    await submit(page);
    await page.locator('#error-summary').waitFor();
    t.is(await page.evaluate<string | undefined>('document.activeElement?.id'), 'error-summary');
    await check(page, 'login with errors');
    await page.locator('#username').fill('new.user');
    await page.locator('#password').fill(TEMPORARY);
    await submit(page);
    await page.locator('#new_password').waitFor();
    await check(page, 'registration step 1');
    await submit(page);
    await page.locator('#error-summary').waitFor();
    await check(page, 'registration step 1 with errors');
    await page.locator('#new_password').fill('Blåbærgrød med fløde 42');
    await page.locator('#new_password_repeat').fill('Blåbærgrød med fløde 42');
    const catalogue = provider.services.questions.catalogue;
    for (const n of [1, 2, 3]) {
      await page.locator(`#question_${n}`).selectOption(catalogue[n - 1] as string);
      await page.locator(`#answer_${n}`).fill(ANSWERS[n - 1] as string);
    }
    await submit(page);
    await page.locator('#email_confirmation').waitFor();
    await check(page, 'registration step 2');
    await submit(page);
    await page.locator('#error-summary').waitFor();
    await check(page, 'registration step 2 with errors');
    await page.locator('#email').fill('new.user@example.com');
    await page.locator('#email_confirmation').fill('new.user@example.com');
    await page.locator('#last_name').fill('Berg');
    await page.locator('#language').selectOption(lang);
    await submit(page);
    await page.locator('button[value="allow"]').waitFor();
    await check(page, 'consent');

    // An expired password.
    page = await fresh();
    await page.goto(await authorize());
    await page.locator('#username').fill('old.timer');
    await page.locator('#password').fill(PASSWORD);
    await submit(page);
    await page.locator('#new_password').waitFor();
    await check(page, 'expired password');

    // Recovery: every step, and a wrong answer.
    page = await fresh();
    await page.goto(await authorize());
    await page.locator('main a[href*="/recovery"]').click();
    await page.locator('#username').waitFor();
    await check(page, 'recovery start');
    await page.locator('#username').fill('anna');
    await submit(page);
    await page.locator('#answer_1').waitFor();
    await check(page, 'recovery questions');
    for (const n of [1, 2, 3]) await page.locator(`#answer_${n}`).fill(`wrong ${n}`);
    await submit(page);
    await page.locator('#error-summary').waitFor();
    await check(page, 'recovery questions failed');
    for (const n of [1, 2, 3]) await page.locator(`#answer_${n}`).fill(ANSWERS[n - 1] as string);
    await submit(page);
    await page.locator('#new_password').waitFor();
    await check(page, 'recovery new password');
    await page.locator('#new_password').fill('Blåbærgrød med fløde 42');
    await page.locator('#new_password_repeat').fill('Blåbærgrød med fløde 42');
    await submit(page);
    await page.locator('main a').first().waitFor();
    await check(page, 'recovery done');

    // The profile page, with an error, then signing out.
    page = await fresh();
    await page.goto(`${provider.issuer}/account?lang=${lang}`);
    await page.locator('#username').fill('anna');
    await page.locator('#password').fill('Blåbærgrød med fløde 42');
    await submit(page);
    await page.locator('#names').waitFor();
    await check(page, 'profile');
    await page.locator('#last_name').fill('');
    await page.locator('#names button').click();
    await page.locator('#error-summary').waitFor();
    await check(page, 'profile with errors');
    await page.goto((await closed.authorize({ ui_locales: lang })).url.href);
    await page.locator('main form button').waitFor();
    await check(page, 'no access');
    await page.goto(`${provider.issuer}/session/end?ui_locales=${lang}`);
    await page.locator('main form button').first().waitFor();
    await check(page, 'sign-out question');
    await page.locator('main form button').first().click();
    await page.locator('main h1').waitFor();
    await check(page, 'signed out');
  });
}

/** Presses Tab until `selector` has the focus, as a keyboard user would; fails after `limit`. */
async function tabTo(page: Page, selector: string, limit = 25): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if ((await page.locator(`${selector}:focus`).count()) > 0) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} cannot be reached with Tab`);
}

test('sign-in and a profile change work with the keyboard alone', async (t) => {
  const provider = await TestProvider.start(t);
  const product = await startDemoProduct(t, provider);
  await provider.addUser('anna', PASSWORD, ANSWERS);
  const page = await (await launchBrowser(t)).newPage();

  await page.goto(`${product}/login`);
  await tabTo(page, '#username');
  await page.keyboard.type('anna');
  await tabTo(page, '#password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${product}/`);

  await page.goto(`${provider.issuer}/account`);
  await tabTo(page, '#first_name');
  await page.keyboard.type('Anne');
  await tabTo(page, '#names button', 10);
  await page.keyboard.press('Enter');
  await page.locator('[role="status"]').waitFor();
  const user = await provider.services.accounts.findByUsername('anna');
  t.is(user?.firstName, 'Anne');
});
