import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

export class InitialSchema1796313600000 implements MigrationInterface {
  name = 'InitialSchema1796313600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'username', type: 'varchar', length: '64' },
          { name: 'username_key', type: 'varchar', length: '64' },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'password_changed_at', type: 'datetime' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'must_change_password', type: 'tinyint', default: 0 },
          { name: 'email', type: 'varchar', length: '254', isNullable: true },
          { name: 'email_key', type: 'varchar', length: '254', isNullable: true },
          { name: 'first_name', type: 'varchar', length: '100', isNullable: true },
          { name: 'last_name', type: 'varchar', length: '100', isNullable: true },
          { name: 'preferred_language', type: 'varchar', length: '8', isNullable: true },
          { name: 'default_country', type: 'varchar', length: '2', isNullable: true },
          { name: 'start_page', type: 'varchar', length: '255', isNullable: true },
          { name: 'created_at', type: 'datetime' },
          { name: 'updated_at', type: 'datetime' },
        ],
        indices: [
          { name: 'uq_users_username_key', columnNames: ['username_key'], isUnique: true },
          { name: 'uq_users_email_key', columnNames: ['email_key'], isUnique: true },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'oidc_payloads',
        columns: [
          { name: 'model', type: 'varchar', length: '40', isPrimary: true },
          { name: 'id', type: 'varchar', length: '255', isPrimary: true },
          { name: 'payload', type: 'text' },
          { name: 'grant_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'uid', type: 'varchar', length: '255', isNullable: true },
          { name: 'user_code', type: 'varchar', length: '255', isNullable: true },
          { name: 'expires_at', type: 'bigint', isNullable: true },
          { name: 'consumed_at', type: 'bigint', isNullable: true },
        ],
        indices: [
          { name: 'ix_oidc_payloads_grant', columnNames: ['grant_id'] },
          { name: 'ix_oidc_payloads_uid', columnNames: ['uid'] },
          { name: 'ix_oidc_payloads_user_code', columnNames: ['user_code'] },
          { name: 'ix_oidc_payloads_expires', columnNames: ['expires_at'] },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'signing_keys',
        columns: [
          { name: 'kid', type: 'varchar', length: '64', isPrimary: true },
          { name: 'alg', type: 'varchar', length: '16' },
          { name: 'private_jwk', type: 'text' },
          { name: 'slot', type: 'varchar', length: '32', isNullable: true },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [{ name: 'uq_signing_keys_slot', columnNames: ['slot'], isUnique: true }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'secrets',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'value', type: 'varchar', length: '255' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('secrets');
    await queryRunner.dropTable('signing_keys');
    await queryRunner.dropTable('oidc_payloads');
    await queryRunner.dropTable('users');
  }
}
