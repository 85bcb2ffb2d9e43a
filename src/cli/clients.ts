import { Command, Option } from 'commander';

import { AppError } from '../errors.js';
import { type ClientSettings, ClientStore } from '../oidc/client-store.js';
import type { WithApp } from './index.js';
import { recordOperatorChange } from './operator-audit.js';
import { printable } from './printable.js';

const collect = (value: string, previous: string[]) => [...previous, value];

const seconds = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new AppError('clients.invalid', `expected whole seconds, got "${value}"`);
  }
  return parsed;
};

/** `--description da=Tekst` (repeatable): one text per language. */
const describeIn = (value: string, previous: Record<string, string> = {}) => {
  const match = /^([a-z]{2,3})=(.+)$/s.exec(value);
  if (!match) throw new AppError('clients.invalid', 'a description is LANG=TEXT, e.g. da=Tekst');
  return { ...previous, [match[1] as string]: match[2] as string };
};

/** The options `add` and `update` share: what an operator says about a product. */
function withSettingOptions(command: Command): Command {
  return command
    .option('--redirect-uri <uri>', 'allowed redirect URI, exact match (repeatable)', collect, [])
    .option(
      '--post-logout-redirect-uri <uri>',
      'allowed post-logout redirect URI (repeatable)',
      collect,
      [],
    )
    .option('--name <name>', 'display name')
    .option(
      '--description <lang=text>',
      'one line about the product per language (repeatable)',
      describeIn,
    )
    .option('--start-url <url>', "where the product's tile on the start page leads (client_uri)")
    .option('--logo-uri <url>', "the product's logo")
    .option('--first-party', 'a product of our own: never asks the user for consent')
    .option('--no-first-party', 'asks the user for consent')
    .option('--open-to-all', 'every user may sign in (no grant needed)')
    .option('--no-open-to-all', 'only users granted the product may sign in')
    .option('--backchannel-logout-uri <url>', 'where logout tokens are sent when a session ends')
    .option('--backchannel-session-required', 'logout tokens name the session (sid)')
    .option('--access-token-ttl <seconds>', 'access token lifetime for this product', seconds)
    .option('--refresh-token-ttl <seconds>', 'refresh token lifetime for this product', seconds)
    .addOption(
      new Option('--id-token-alg <alg>', "how the product's ID tokens are signed").choices([
        'RS256',
        'ES256',
      ]),
    );
}

/** The settings given on the command line; what was not given is left out. */
function settingsFrom(options: Record<string, unknown>): Partial<ClientSettings> {
  const list = (value: unknown) =>
    Array.isArray(value) && value.length > 0 ? (value as string[]) : undefined;
  const settings: Partial<ClientSettings> = {
    redirectUris: list(options.redirectUri),
    postLogoutRedirectUris: list(options.postLogoutRedirectUri),
    name: options.name as string | undefined,
    description: options.description as Record<string, string> | undefined,
    clientUri: options.startUrl as string | undefined,
    logoUri: options.logoUri as string | undefined,
    firstParty: options.firstParty as boolean | undefined,
    openToAll: options.openToAll as boolean | undefined,
    backchannelLogoutUri: options.backchannelLogoutUri as string | undefined,
    backchannelLogoutSessionRequired: options.backchannelSessionRequired as boolean | undefined,
    accessTokenTtl: options.accessTokenTtl as number | undefined,
    refreshTokenTtl: options.refreshTokenTtl as number | undefined,
    idTokenSigningAlg: options.idTokenAlg as ClientSettings['idTokenSigningAlg'],
  };
  return Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  ) as Partial<ClientSettings>;
}

function describe(client: Record<string, unknown>): string {
  const { client_secret: _secret, ...shown } = client;
  return JSON.stringify(shown, null, 2);
}

export function clientCommands(withApp: WithApp): Command {
  const clients = new Command('clients').description('relying parties (products)');
  /** Runs `fn` on the client store; a change is also written to the audit trail. */
  const store = <T>(
    fn: (store: ClientStore) => Promise<T>,
    change?: { type: string; clientId: string },
  ) =>
    withApp(async (app) => {
      const result = await fn(new ClientStore(app.services.db, app.services.provider));
      if (change) await recordOperatorChange(app, change.type, { clientId: change.clientId });
      return result;
    });

  withSettingOptions(
    clients
      .command('add')
      .description('register a client; prints its secret once')
      .requiredOption('--id <id>', 'client_id')
      .option('--secret <secret>', 'client secret (generated when omitted)')
      .option('--public', 'a public client (no secret; PKCE only)', false),
  ).action(async (options) => {
    if (options.redirectUri.length === 0) {
      throw new AppError('clients.redirect_uri', 'at least one --redirect-uri is required');
    }
    const client = await store(
      (s) =>
        s.add({
          id: options.id,
          secret: options.secret,
          isPublic: options.public,
          firstParty: false,
          redirectUris: [],
          postLogoutRedirectUris: [],
          ...settingsFrom(options),
        }),
      { type: 'operator.client_added', clientId: options.id },
    );
    console.log(`client ${client.client_id} added`);
    if (client.client_secret && !options.secret)
      console.log(`client_secret: ${client.client_secret}`);
  });

  withSettingOptions(
    clients
      .command('update <id>')
      .description('change the given settings of a client; the others stay'),
  ).action(async (id: string, options) => {
    await store((s) => s.update(id, settingsFrom(options)), {
      type: 'operator.client_updated',
      clientId: id,
    });
    console.log(`client ${id} updated`);
  });

  clients
    .command('list')
    .description('list clients')
    .action(async () => {
      const all = await store((s) => s.list());
      for (const c of all) {
        const kind = c.token_endpoint_auth_method === 'none' ? 'public' : 'confidential';
        const firstParty = c.first_party ? ', first-party' : '';
        console.log(`${c.client_id}\t${kind}${firstParty}\t${printable(c.client_name as string)}`);
      }
      if (all.length === 0) console.log('no clients');
    });

  clients
    .command('show <id>')
    .description('show a client (without its secret)')
    .action(async (id: string) => {
      console.log(describe(await store((s) => s.get(id))));
    });

  clients
    .command('remove <id>')
    .description('remove a client')
    .action(async (id: string) => {
      await store((s) => s.remove(id), { type: 'operator.client_removed', clientId: id });
      console.log(`client ${id} removed`);
    });

  clients
    .command('set-start-pages <id> <json>')
    .description(
      'the pages users may pick as start page on their profile, e.g. ' +
        '\'[{"id":"portal:search","label":{"da":"Køberopslag","en":"Buyer search"}}]\' ' +
        '("[]" for none)',
    )
    .action(async (id: string, json: string) => {
      let pages: unknown;
      try {
        pages = JSON.parse(json);
      } catch {
        throw new AppError('clients.invalid', 'the start pages are not valid JSON');
      }
      await store((s) => s.setStartPages(id, pages), {
        type: 'operator.client_start_pages_set',
        clientId: id,
      });
      console.log(`start pages of ${id} set`);
    });

  clients
    .command('rotate-secret <id>')
    .description('replace the client secret; prints the new one once')
    .action(async (id: string) => {
      const secret = await store((s) => s.rotateSecret(id), {
        type: 'operator.client_secret_rotated',
        clientId: id,
      });
      console.log(`client_secret: ${secret}`);
    });

  return clients;
}
