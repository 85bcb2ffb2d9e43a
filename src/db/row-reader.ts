import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

import { statementsFor } from './statements.js';

/**
 * A lookup of one entity by one column for the paths every token request
 * takes (the account behind a token, the user signing in). TypeORM's
 * `findOneBy` builds its SQL anew on every call; this builds it once from
 * the entity's metadata and hydrates the row through the driver, so column
 * types and transformers apply exactly as they do for `find`.
 */
export function rowReader<T extends ObjectLiteral>(
  db: DataSource,
  target: EntityTarget<T>,
  property: keyof T & string,
): (value: unknown) => Promise<T | null> {
  const metadata = db.getMetadata(target);
  const key = metadata.findColumnWithPropertyName(property);
  if (!key) throw new Error(`${metadata.name} has no column for ${property}`);
  const quote = (name: string) => db.driver.escape(name);
  const sql =
    `SELECT ${metadata.columns.map((column) => quote(column.databaseName)).join(', ')} ` +
    `FROM ${quote(metadata.tableName)} WHERE ${quote(key.databaseName)} = ? LIMIT 1`;

  const statements = statementsFor(db);
  return async (value) => {
    const [row] = await statements.rows(sql, [value]);
    if (!row) return null;
    const entity = metadata.create() as T;
    for (const column of metadata.columns) {
      column.setEntityValue(
        entity,
        db.driver.prepareHydratedValue(row[column.databaseName], column),
      );
    }
    return entity;
  };
}
