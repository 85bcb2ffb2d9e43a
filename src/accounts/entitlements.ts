import type { DataSource } from 'typeorm';

import { Entitlement } from '../db/entities/entitlement.js';
import { endClientAccess } from '../oidc/adapter.js';
import { isOpenToAll } from '../oidc/client-metadata.js';

/**
 * Which products a user may sign in to: every product marked open to all,
 * and the others the user was granted by an operator.
 */
export class Entitlements {
  readonly #db: DataSource;

  constructor(db: DataSource) {
    this.#db = db;
  }

  async allows(
    userId: string,
    client: { clientId: string; [key: string]: unknown },
  ): Promise<boolean> {
    if (isOpenToAll(client)) return true;
    return (
      (await this.#db.getRepository(Entitlement).countBy({ userId, clientId: client.clientId })) > 0
    );
  }

  /** Grants access; true when it is new. */
  async grant(userId: string, clientId: string): Promise<boolean> {
    const repository = this.#db.getRepository(Entitlement);
    if ((await repository.countBy({ userId, clientId })) > 0) return false;
    await this.#db
      .createQueryBuilder()
      .insert()
      .into(Entitlement)
      .values({ userId, clientId, grantedAt: Date.now() })
      .orIgnore()
      .execute();
    return true;
  }

  /**
   * Takes access away, and with it what the user holds for that product:
   * its grant and tokens stop working at once. True when there was access.
   */
  async revoke(userId: string, clientId: string): Promise<boolean> {
    const removed = await this.#db.getRepository(Entitlement).delete({ userId, clientId });
    await endClientAccess(this.#db, userId, clientId);
    return (removed.affected ?? 0) > 0;
  }

  async list(userId: string): Promise<string[]> {
    const rows = await this.#db
      .getRepository(Entitlement)
      .find({ where: { userId }, order: { clientId: 'ASC' } });
    return rows.map((row) => row.clientId);
  }
}
