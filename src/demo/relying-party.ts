import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import * as oidc from 'openid-client';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * A small product that signs its users in through the provider, the way a
 * real relying party does: authorization code with PKCE, ID token checked,
 * userinfo fetched, RP-initiated logout, and a back-channel logout endpoint
 * (POST /backchannel-logout) that checks the logout token's signature,
 * issuer, audience and event, and ends the matching sessions. For trying the
 * provider by hand and for the tests; it keeps its sessions in memory.
 */
export interface DemoOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The product's name on its pages. */
  name?: string;
  /** 0 picks a free port; `url` in the result tells which. */
  port: number;
  scope?: string;
  /** Extra authorization parameters, e.g. ui_locales. */
  authorizationParams?: Record<string, string>;
}

/** A logout token the product received and accepted. */
export interface ReceivedLogout {
  sub: string;
  sid?: string | undefined;
  /** How many of the product's sessions it ended. */
  ended: number;
}

interface DemoSession {
  verifier?: string;
  state?: string;
  nonce?: string;
  idToken?: string;
  claims?: Record<string, unknown>;
  userinfo?: Record<string, unknown>;
  /** Set when the provider said (back-channel) that the session ended. */
  signedOutByProvider?: boolean;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  const head = `<meta charset="utf-8"><title>${escapeHtml(title)}</title>`;
  return `<!doctype html><html lang="en"><head>${head}</head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export async function startDemoRelyingParty(
  options: DemoOptions,
): Promise<{ server: Server; url: string; logouts: ReceivedLogout[] }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port, 'localhost', resolve));
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${base}/callback`;
  const insecure = new URL(options.issuer).protocol === 'http:';
  const config = await oidc.discovery(
    new URL(options.issuer),
    options.clientId,
    undefined,
    oidc.ClientSecretBasic(options.clientSecret),
    insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
  );
  const sessions = new Map<string, DemoSession>();
  const logouts: ReceivedLogout[] = [];
  const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string));
  const title = options.name ?? 'Demo product';

  /** Back-Channel Logout 1.0, section 2.6: validate, then end the sessions it names. */
  const backchannelLogout = async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const logoutToken = new URLSearchParams(body).get('logout_token') ?? '';
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(logoutToken, jwks, {
        issuer: config.serverMetadata().issuer,
        audience: options.clientId,
        maxTokenAge: '2 minutes',
      }));
    } catch {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"invalid_request"}');
      return;
    }
    const events = payload.events as Record<string, unknown> | undefined;
    if (!events?.[BACKCHANNEL_EVENT] || 'nonce' in payload || !payload.sub) {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"invalid_request"}');
      return;
    }
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    let ended = 0;
    for (const session of sessions.values()) {
      const claims = session.claims;
      if (claims?.sub === payload.sub && (!sid || claims.sid === sid)) {
        for (const key of Object.keys(session)) delete session[key as keyof DemoSession];
        session.signedOutByProvider = true;
        ended++;
      }
    }
    logouts.push({ sub: payload.sub, sid, ended });
    res.writeHead(200).end();
  };

  // Cookies do not tell ports apart: each product on localhost needs its own name.
  const cookieName = `demo_sid_${options.clientId.replace(/[^\w]/g, '_')}`;
  const cookiePattern = new RegExp(`(?:^|;\\s*)${cookieName}=([\\w-]+)`);
  const sessionOf = (req: IncomingMessage, res: ServerResponse): DemoSession => {
    const id = cookiePattern.exec(req.headers.cookie ?? '')?.[1];
    if (id && sessions.has(id)) return sessions.get(id) as DemoSession;
    const fresh = randomBytes(16).toString('base64url');
    sessions.set(fresh, {});
    res.setHeader('Set-Cookie', `${cookieName}=${fresh}; Path=/; HttpOnly; SameSite=Lax`);
    return sessions.get(fresh) as DemoSession;
  };

  const send = (res: ServerResponse, status: number, html: string) => {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/backchannel-logout' && req.method === 'POST') {
      return backchannelLogout(req, res);
    }
    const session = sessionOf(req, res);

    if (url.pathname === '/login') {
      session.verifier = oidc.randomPKCECodeVerifier();
      session.state = oidc.randomState();
      session.nonce = oidc.randomNonce();
      const target = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: options.scope ?? 'openid profile email',
        code_challenge: await oidc.calculatePKCECodeChallenge(session.verifier),
        code_challenge_method: 'S256',
        state: session.state,
        nonce: session.nonce,
        ...options.authorizationParams,
        ...(url.searchParams.get('ui_locales')
          ? { ui_locales: url.searchParams.get('ui_locales') as string }
          : {}),
      });
      res.writeHead(302, { Location: target.href }).end();
      return;
    }

    if (url.pathname === '/callback' && url.searchParams.has('error')) {
      // The provider refused (the user may not use this product, or said no).
      const error = url.searchParams.get('error') ?? '';
      const description = url.searchParams.get('error_description') ?? '';
      send(
        res,
        200,
        page(
          title,
          `<p id="status">Not signed in: ${escapeHtml(error)}</p><p>${escapeHtml(description)}</p>
<p><a href="/">Back</a></p>`,
        ),
      );
      return;
    }

    if (url.pathname === '/callback') {
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: session.verifier,
        expectedState: session.state,
        expectedNonce: session.nonce,
      });
      const claims = tokens.claims() as Record<string, unknown>;
      session.idToken = tokens.id_token;
      session.claims = claims;
      session.userinfo = await oidc.fetchUserInfo(
        config,
        tokens.access_token,
        claims.sub as string,
      );
      res.writeHead(302, { Location: '/' }).end();
      return;
    }

    if (url.pathname === '/logout' && session.idToken) {
      const target = oidc.buildEndSessionUrl(config, {
        id_token_hint: session.idToken,
        post_logout_redirect_uri: `${base}/`,
      });
      for (const key of Object.keys(session)) delete session[key as keyof DemoSession];
      res.writeHead(302, { Location: target.href }).end();
      return;
    }

    if (url.pathname === '/') {
      const body = session.claims
        ? `<p id="status">Signed in.</p><h2>ID token claims</h2>
<pre id="claims">${escapeHtml(JSON.stringify(session.claims, null, 2))}</pre>
<h2>Userinfo</h2><pre id="userinfo">${escapeHtml(JSON.stringify(session.userinfo, null, 2))}</pre>
<p><a href="/logout">Log out</a></p>`
        : `<p id="status">${
            session.signedOutByProvider ? 'Signed out by the provider.' : 'Not signed in.'
          }</p><p><a href="/login">Log in</a></p>`;
      send(res, 200, page(title, body));
      return;
    }

    send(res, 404, page('Not found', ''));
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      send(
        res,
        500,
        page(
          'Sign-in failed',
          `<p id="error">${escapeHtml(message)}</p><p><a href="/">Back</a></p>`,
        ),
      );
    });
  });
  return { server, url: base, logouts };
}
