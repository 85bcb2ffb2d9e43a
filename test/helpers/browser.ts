import type { ExecutionContext } from 'ava';
import { type Browser, chromium } from 'playwright-core';

import { startDemoRelyingParty } from '../../src/demo/relying-party.js';
import type { TestProvider } from './server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's chromium, headless, with no background traffic. Playwright gives
 * every launch a fresh temporary profile.
 */
export async function launchBrowser(t: ExecutionContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}

/** The demo product on a free port, registered with the provider; returns its URL. */
export async function startDemoProduct(
  t: ExecutionContext,
  provider: TestProvider,
): Promise<string> {
  const secret = 'demo-secret-for-this-test-only-0123456789';
  const { server, url } = await startDemoRelyingParty({
    issuer: provider.issuer,
    clientId: 'demo',
    clientSecret: secret,
    port: 0,
  });
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await provider.addClient({
    id: 'demo',
    secret,
    name: 'Demo',
    redirectUris: [`${url}/callback`],
    postLogoutRedirectUris: [`${url}/`],
  });
  return url;
}
