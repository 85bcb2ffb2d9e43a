/**
 * The benchmark's browser for the sign-in steps: as little client work as
 * a load generator can get away with, so the two cores it shares with the
 * server go to the server. One keep-alive agent for all simulated browsers
 * (as a browser reuses its connections), a cookie jar that honours cookie
 * paths (the interaction cookies are scoped to /interaction/<uid> and
 * /auth/<uid>), and the login form read with two regular expressions
 * instead of a DOM. The tests use the fuller BrowserAgent.
 */
import { Agent, request } from 'node:http';

interface Cookie {
  value: string;
  path: string;
}

interface Answer {
  status: number;
  location: string | undefined;
  body: string;
}

export class SignInDriver {
  readonly #agent: Agent;
  readonly #origin: string;

  constructor(origin: string, connections: number) {
    this.#origin = new URL(origin).origin;
    this.#agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /**
   * Follows an authorization request to the login form, submits it, and
   * returns the redirect to the product (the URL carrying the code).
   */
  async signIn(authorizationUrl: string, username: string, password: string): Promise<string> {
    const jar = new Map<string, Cookie>();
    let answer = await this.#follow(jar, authorizationUrl, 'GET');
    const page = answer.url;
    const action = /<form method="post" action="([^"]+)"/.exec(answer.body)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(answer.body)?.[1];
    if (!action || !csrf) throw new Error(`no login form at ${page} (${answer.status})`);
    const form = new URLSearchParams({ csrf, username, password }).toString();
    answer = await this.#follow(jar, new URL(decodeEntities(action), page).href, 'POST', form);
    if (!answer.leftTo)
      throw new Error(`sign-in ended on a page (${answer.status}) at ${answer.url}`);
    return answer.leftTo;
  }

  close(): void {
    this.#agent.destroy();
  }

  /** Requests `url`, then follows redirects within the provider. */
  async #follow(
    jar: Map<string, Cookie>,
    url: string,
    method: string,
    form?: string,
  ): Promise<Answer & { url: string; leftTo?: string }> {
    let current = url;
    let answer = await this.#send(jar, current, method, form);
    for (let hops = 0; hops < 10; hops++) {
      if (answer.status < 300 || answer.status >= 400 || !answer.location) {
        return { ...answer, url: current };
      }
      const next = new URL(answer.location, current);
      if (next.origin !== this.#origin) return { ...answer, url: current, leftTo: next.href };
      current = next.href;
      answer = await this.#send(jar, current, 'GET');
    }
    throw new Error('too many redirects');
  }

  #send(jar: Map<string, Cookie>, url: string, method: string, form?: string): Promise<Answer> {
    const target = new URL(url);
    const cookies = [...jar]
      .filter(([, cookie]) => pathMatches(target.pathname, cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
    const headers: Record<string, string> = { accept: 'text/html', 'accept-language': 'da' };
    if (cookies) headers.cookie = cookies;
    if (form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(form));
    }
    return new Promise((resolve, reject) => {
      const outgoing = request(target, { method, headers, agent: this.#agent }, (incoming) => {
        for (const line of incoming.headers['set-cookie'] ?? []) keep(jar, line);
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            location: incoming.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        incoming.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(form);
    });
  }
}

/** Stores one Set-Cookie line, or forgets the cookie when the line expires it. */
function keep(jar: Map<string, Cookie>, line: string): void {
  const [pair = '', ...attributes] = line.split(';');
  const split = pair.indexOf('=');
  const name = pair.slice(0, split).trim();
  const value = pair.slice(split + 1).trim();
  let path = '/';
  let expired = value === '';
  for (const attribute of attributes) {
    const [key = '', argument = ''] = attribute.trim().split('=');
    const lower = key.toLowerCase();
    if (lower === 'path') path = argument;
    if (lower === 'max-age' && Number(argument) <= 0) expired = true;
    if (lower === 'expires' && Date.parse(argument) <= Date.now()) expired = true;
  }
  if (expired) jar.delete(name);
  else jar.set(name, { value, path });
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return (
    requestPath === cookiePath ||
    (requestPath.startsWith(cookiePath) &&
      (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'))
  );
}

function decodeEntities(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&#x3D;/g, '=')
    .replace(/&quot;/g, '"');
}
