import * as oidc from 'openid-client';
import type { NewClient } from '../../src/oidc/client-store.js';
import { type BrowserAgent, expectPage, expectRedirect } from './browser-agent.js';
import type { TestProvider } from './server.js';

export const REDIRECT_URI = 'http://localhost:9/callback';

export interface PendingAuthorization {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** A product as the tests see it: a registered client and openid-client configured for it. */
export class TestRelyingParty {
  readonly clientId: string;
  readonly config: oidc.Configuration;
  /** The client secret (confidential clients), as the product holds it. */
  readonly secret: string | undefined;
  readonly redirectUri: string;

  private constructor(
    clientId: string,
    config: oidc.Configuration,
    secret: string | undefined,
    redirectUri: string,
  ) {
    this.clientId = clientId;
    this.config = config;
    this.secret = secret;
    this.redirectUri = redirectUri;
  }

  static async register(
    provider: TestProvider,
    options: Partial<NewClient> = {},
  ): Promise<TestRelyingParty> {
    const id = options.id ?? 'portal';
    const redirectUri = options.redirectUris?.[0] ?? REDIRECT_URI;
    const metadata = await provider.addClient({
      ...options,
      id,
      firstParty: options.firstParty ?? true,
      isPublic: options.isPublic ?? false,
    });
    const auth = metadata.client_secret
      ? oidc.ClientSecretBasic(metadata.client_secret)
      : oidc.None();
    const signing = options.idTokenSigningAlg
      ? { id_token_signed_response_alg: options.idTokenSigningAlg }
      : undefined;
    const config = await oidc.discovery(new URL(provider.issuer), id, signing, auth, {
      execute: [oidc.allowInsecureRequests],
    });
    return new TestRelyingParty(id, config, metadata.client_secret, redirectUri);
  }

  async authorize(params: Record<string, string> = {}): Promise<PendingAuthorization> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(this.config, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...params,
    });
    return { url, verifier, state, nonce };
  }

  async exchange(callback: string, pending: PendingAuthorization) {
    return oidc.authorizationCodeGrant(this.config, new URL(callback), {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
    });
  }

  /** Authorization request and login form, as a browser does them: the redirect back with the code. */
  async obtainCode(
    agent: BrowserAgent,
    username: string,
    password: string,
    params: Record<string, string> = {},
  ) {
    const pending = await this.authorize(params);
    const login = expectPage(await agent.navigate(pending.url.href));
    const callback = expectRedirect(await agent.submit(login, { username, password }));
    return { pending, callback };
  }

  /** The whole sign-in: obtainCode(), then the code exchange. */
  async signIn(
    agent: BrowserAgent,
    username: string,
    password: string,
    params: Record<string, string> = {},
  ) {
    const { pending, callback } = await this.obtainCode(agent, username, password, params);
    return this.exchange(callback, pending);
  }
}
