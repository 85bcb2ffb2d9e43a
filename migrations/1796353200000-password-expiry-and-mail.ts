import { type MigrationInterface, type QueryRunner, Table, TableColumn } from 'typeorm';

/**
 * Password expiry forced by an operator (a flag on the user), and the mail
 * outbox: messages waiting for delivery, sent, or given up.
 */
export class PasswordExpiryAndMail1796353200000 implements MigrationInterface {
  name = 'PasswordExpiryAndMail1796353200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'users',
      new TableColumn({ name: 'password_expired', type: 'tinyint', default: 0 }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'mail_outbox',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'dedupe_key', type: 'varchar', length: '191', isNullable: true },
          { name: 'kind', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'recipient', type: 'varchar', length: '254' },
          { name: 'subject', type: 'varchar', length: '255' },
          { name: 'text_body', type: 'text' },
          { name: 'html_body', type: 'text' },
          { name: 'created_at', type: 'bigint' },
          { name: 'next_attempt_at', type: 'bigint' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'claimed_until', type: 'bigint', isNullable: true },
          { name: 'sent_at', type: 'bigint', isNullable: true },
          { name: 'failed_at', type: 'bigint', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '255', isNullable: true },
        ],
        indices: [
          { name: 'uq_mail_outbox_dedupe_key', columnNames: ['dedupe_key'], isUnique: true },
          { name: 'ix_mail_outbox_due', columnNames: ['sent_at', 'next_attempt_at'] },
        ],
      }),
    );
    if (queryRunner.connection.options.type !== 'better-sqlite3') {
      await queryRunner.query(
        'ALTER TABLE `mail_outbox` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('mail_outbox');
    await queryRunner.dropColumn('users', 'password_expired');
  }
}
