import { type HTMLElement, parse } from 'node-html-parser';
import { CookieJar } from 'tough-cookie';

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  html: string;
  document: HTMLElement;
}

export interface Form {
  action: string;
  method: string;
  fields: Record<string, string>;
}

/**
 * Plays the browser for HTTP-level tests: keeps cookies with their paths
 * and flags (as a browser does), follows redirects within the provider,
 * and stops at the first redirect to anywhere else (a product's
 * redirect_uri), returning that URL.
 */
export class BrowserAgent {
  readonly jar = new CookieJar();
  readonly #origin: string;
  readonly #language: string;

  readonly #extraHeaders: Record<string, string>;

  constructor(
    providerOrigin: string,
    acceptLanguage = 'da',
    extraHeaders: Record<string, string> = {},
  ) {
    this.#origin = new URL(providerOrigin).origin;
    this.#language = acceptLanguage;
    this.#extraHeaders = extraHeaders;
  }

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers = new Headers({
      ...this.#extraHeaders,
      'accept-language': this.#language,
      accept: 'text/html',
    });
    const cookie = await this.jar.getCookieString(url);
    if (cookie) headers.set('cookie', cookie);
    let body: string | undefined;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      body,
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) await this.jar.setCookie(line, url);
    return response;
  }

  /**
   * GET or POST, then follow the provider's redirects. Ends on a page, or on a redirect that
   * leaves the provider.
   */
  async navigate(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<Page | { leftTo: string }> {
    let response = await this.request(url, init);
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        const html = await response.text();
        return {
          url: current,
          status: response.status,
          headers: response.headers,
          html,
          document: parse(html),
        };
      }
      const next = new URL(location, current).href;
      if (new URL(next).origin !== this.#origin) return { leftTo: next };
      current = next;
      response = await this.request(current);
    }
    throw new Error('too many redirects');
  }

  async open(url: string): Promise<Page> {
    return expectPage(await this.navigate(url));
  }

  /**
   * Fills a page's form (the first one with a password or text field, unless a selector says
   * otherwise) and submits it.
   */
  async submit(
    page: Page,
    values: Record<string, string>,
    selector = 'main form',
  ): Promise<Page | { leftTo: string }> {
    const form = readForm(page, selector);
    return this.navigate(new URL(form.action, page.url).href, {
      method: form.method,
      form: { ...form.fields, ...values },
    });
  }
}

export function expectPage(result: Page | { leftTo: string }): Page {
  if ('leftTo' in result)
    throw new Error(`expected a provider page, got a redirect to ${result.leftTo}`);
  return result;
}

export function expectRedirect(result: Page | { leftTo: string }): string {
  if (!('leftTo' in result))
    throw new Error(
      `expected a redirect out of the provider, got a page (${result.status}): ${result.document.querySelector('h1')?.text}`,
    );
  return result.leftTo;
}

export function readForm(page: Page, selector = 'main form'): Form {
  const form = page.document.querySelector(selector);
  if (!form) throw new Error(`no form "${selector}" on ${page.url}`);
  const fields: Record<string, string> = {};
  for (const input of form.querySelectorAll('input')) {
    const name = input.getAttribute('name');
    if (name && input.getAttribute('type') !== 'submit')
      fields[name] = input.getAttribute('value') ?? '';
  }
  return {
    action: form.getAttribute('action') ?? page.url,
    method: (form.getAttribute('method') ?? 'get').toUpperCase(),
    fields,
  };
}

/** The visible text of the element a label points to, found by the label's text. */
export function fieldByLabel(page: Page, label: string): HTMLElement | undefined {
  const labelElement = page.document.querySelectorAll('label').find((l) => l.text.trim() === label);
  const id = labelElement?.getAttribute('for');
  return id ? (page.document.querySelector(`#${id}`) ?? undefined) : undefined;
}
