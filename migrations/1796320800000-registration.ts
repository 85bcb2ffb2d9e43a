import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Security questions and password history, for the first-sign-in
 * registration; and the account of each provider object, so that all of a
 * user's sessions and tokens can be ended at once.
 */
export class Registration1796320800000 implements MigrationInterface {
  name = 'Registration1796320800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'oidc_payloads',
      new TableColumn({ name: 'account_id', type: 'varchar', length: '36', isNullable: true }),
    );
    await queryRunner.createIndex(
      'oidc_payloads',
      new TableIndex({ name: 'ix_oidc_payloads_account', columnNames: ['account_id'] }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'security_answers',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'position', type: 'integer', isPrimary: true },
          { name: 'question_id', type: 'varchar', length: '64' },
          { name: 'answer_hash', type: 'varchar', length: '255' },
          { name: 'created_at', type: 'datetime' },
        ],
        indices: [
          {
            name: 'uq_security_answers_question',
            columnNames: ['user_id', 'question_id'],
            isUnique: true,
          },
        ],
        foreignKeys: [
          {
            name: 'fk_security_answers_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'password_history',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'created_at', type: 'datetime' },
        ],
        indices: [{ name: 'ix_password_history_user', columnNames: ['user_id'] }],
        foreignKeys: [
          {
            name: 'fk_password_history_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('password_history');
    await queryRunner.dropTable('security_answers');
    await queryRunner.dropIndex('oidc_payloads', 'ix_oidc_payloads_account');
    await queryRunner.dropColumn('oidc_payloads', 'account_id');
  }
}
