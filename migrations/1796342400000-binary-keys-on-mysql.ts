import { type MigrationInterface, type QueryRunner, TableForeignKey } from 'typeorm';

const TABLES = [
  'users',
  'oidc_payloads',
  'signing_keys',
  'secrets',
  'security_answers',
  'password_history',
  'recovery_states',
  'attempt_counters',
];

/**
 * On MySQL/MariaDB, compare every key byte for byte. The usual collations
 * ignore accents and case, so `mário` would find `mario` and two token ids
 * differing in case would be one. The application already folds what should
 * match (usernames and email addresses are stored lower-cased), so the
 * database must not fold anything more. SQLite compares bytes already.
 */
export class BinaryKeysOnMysql1796342400000 implements MigrationInterface {
  name = 'BinaryKeysOnMysql1796342400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await convert(queryRunner, 'utf8mb4_bin');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await convert(queryRunner, 'utf8mb4_unicode_ci');
  }
}

const FOREIGN_KEYS = [
  { table: 'security_answers', name: 'fk_security_answers_user' },
  { table: 'password_history', name: 'fk_password_history_user' },
];

async function convert(queryRunner: QueryRunner, collation: string): Promise<void> {
  if (queryRunner.connection.options.type === 'better-sqlite3') return;
  // A key column cannot change collation while a foreign key ties it to
  // another: take the keys off, convert every table, put them back.
  for (const { table, name } of FOREIGN_KEYS) await queryRunner.dropForeignKey(table, name);
  for (const table of TABLES) {
    await queryRunner.query(
      `ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`,
    );
  }
  for (const { table, name } of FOREIGN_KEYS) {
    await queryRunner.createForeignKey(
      table,
      new TableForeignKey({
        name,
        columnNames: ['user_id'],
        referencedTableName: 'users',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
        onUpdate: 'NO ACTION',
      }),
    );
  }
}
