import Provider, {
  type ClientMetadata,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { DataSource } from 'typeorm';

import type { Accounts } from '../accounts/accounts.js';
import type { Entitlements } from '../accounts/entitlements.js';
import type { PasswordExpiry } from '../accounts/password-expiry.js';
import type { Registration } from '../accounts/registration.js';
import type { Config } from '../config/schema.js';
import { interactionPolicy } from '../interactions/pipeline.js';
import { accountFinder, CLAIMS_BY_SCOPE } from './account-claims.js';
import { TypeOrmAdapter } from './adapter.js';
import {
  CLIENT_EXTRA_PROPERTIES,
  isFirstParty,
  validateExtraClientMetadata,
} from './client-metadata.js';
import { isHashedClientSecret, matchesClientSecret } from './client-secret.js';
import type { PrivateJwk } from './keys.js';

export interface ProviderPages {
  renderError: NonNullable<Configuration['renderError']>;
  logoutSource: (ctx: KoaContextWithOIDC, form: string) => Promise<void>;
  postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => Promise<void>;
}

export interface ProviderDependencies {
  config: Config;
  db: DataSource;
  accounts: Accounts;
  registration: Registration;
  expiry: PasswordExpiry;
  entitlements: Entitlements;
  signingKeys: PrivateJwk[];
  cookieKeys: string[];
  pages: ProviderPages;
}

/**
 * A first-party product needs no consent page: its grant is made (or
 * widened to what it asks for now) without asking. Other clients get the
 * grant the user gave them earlier, if any, and the consent prompt fires for
 * whatever is still missing.
 */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { client, session, provider } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;

  const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  const existing = grantId ? await provider.Grant.find(grantId) : undefined;
  if (!isFirstParty(client)) return existing;

  const grant =
    existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
  const claims = ctx.oidc.requestParamClaims;
  if (claims?.size) grant.addOIDCClaims([...claims]);
  await grant.save();
  return grant;
}

const numberOr = (value: unknown, fallback: number) =>
  typeof value === 'number' ? value : fallback;

/** The provider's own profile page, signing users in through the provider like any product. */
export const ACCOUNT_CLIENT_ID = 'idp-account';

function accountClient(config: Config): ClientMetadata {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: config.brand.name,
    redirect_uris: [`${config.issuer}/account/callback`],
    post_logout_redirect_uris: [`${config.issuer}/`],
    response_types: ['none'],
    grant_types: [],
    token_endpoint_auth_method: 'none',
    first_party: true,
    open_to_all: true,
  };
}

export function createProvider(deps: ProviderDependencies): Provider {
  const { config, pages } = deps;

  const configuration: Configuration = {
    adapter: TypeOrmAdapter.factory(deps.db),
    findAccount: accountFinder(deps.accounts, deps.expiry),
    jwks: { keys: deps.signingKeys },
    cookies: {
      keys: deps.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: Object.fromEntries(Object.entries(CLAIMS_BY_SCOPE).map(([k, v]) => [k, [...v]])),
    scopes: [
      'openid',
      'offline_access',
      ...Object.keys(CLAIMS_BY_SCOPE).filter((s) => s !== 'openid'),
    ],
    // `none` serves only the profile page's own sign-in (ACCOUNT_CLIENT_ID):
    // it returns no code or token, just the browser with a provider session.
    responseTypes: ['code', 'none'],
    clients: [accountClient(config)],
    // Products read the profile from the ID token too, not only from userinfo.
    conformIdTokenClaims: false,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    extraClientMetadata: {
      properties: [...CLIENT_EXTRA_PROPERTIES],
      validator: validateExtraClientMetadata,
    },
    allowOmittingSingleRegisteredRedirectUri: false,
    // Every client, confidential or public, proves possession of the code with S256.
    pkce: { required: () => true },
    rotateRefreshToken: true,
    // Products get refresh tokens bound to the sign-in session; only
    // `offline_access` (with consent) outlives it.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    loadExistingGrant,
    interactions: {
      policy: interactionPolicy(
        deps.accounts,
        deps.registration,
        deps.expiry,
        deps.entitlements,
        config.profile.recentSignInSeconds,
      ),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // A product may introspect its own tokens. A first-party confidential
        // client acting as a resource server may also introspect access
        // tokens; refresh tokens only ever to their own client.
        allowedPolicy: async (_ctx, client, token) =>
          token.clientId === client.clientId ||
          (token.kind === 'AccessToken' &&
            client.clientAuthMethod !== 'none' &&
            isFirstParty(client)),
      },
      revocation: {
        enabled: true,
        // Another client's token is left alone with the same answer as an
        // unknown one, so revocation cannot be used to test tokens.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
    },
    ttl: {
      ClientCredentials: config.ttl.clientCredentials,
      IdToken: config.ttl.idToken,
      AuthorizationCode: config.ttl.authorizationCode,
      AccessToken: (_ctx, _token, client) =>
        numberOr(client?.metadata().access_token_ttl, config.ttl.accessToken),
      RefreshToken: (_ctx, _token, client) =>
        numberOr(client?.metadata().refresh_token_ttl, config.ttl.refreshToken),
      // Saved again at every request that uses it: the session lives until it
      // has been idle for sessionIdle, and never past `session` after sign-in.
      Session: (_ctx, session) => {
        const idle = config.ttl.sessionIdle;
        const loginTs = session.loginTs;
        if (!loginTs) return idle;
        const left = loginTs + config.ttl.session - Math.floor(Date.now() / 1000);
        return Math.max(1, Math.min(idle, left));
      },
      Interaction: config.ttl.interaction,
      Grant: config.ttl.grant,
    },
    renderError: pages.renderError,
  };

  const provider = new Provider(config.issuer, configuration);
  // Client secrets are stored hashed (client-secret.ts); secrets stored
  // before that are still compared as they are.
  const compareStored = provider.Client.prototype.compareClientSecret;
  provider.Client.prototype.compareClientSecret = function (
    this: { clientSecret?: string },
    actual: string,
  ) {
    const stored = this.clientSecret;
    if (isHashedClientSecret(stored)) return matchesClientSecret(stored, actual);
    return compareStored.call(this, actual);
  };
  provider.proxy = config.trustProxy;
  // Behind a proxy, the client address is the one the nearest proxy appended
  // to X-Forwarded-For; anything further left is whatever the client sent.
  if (config.trustProxy) provider.maxIpsCount = 1;
  return provider;
}
