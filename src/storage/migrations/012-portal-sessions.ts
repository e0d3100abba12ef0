import type { Kysely } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'

/**
 * Tenant portal links and sessions in the database, so that a link created in one process is
 * exchanged in another and a session is honoured by every process behind a load balancer. Keyed by
 * a SHA-256 of the token (never the token); expired rows are deleted by retention (`expires_at`).
 */
export const portalSessions: Migration = {
  name: '012-portal-sessions',
  async up(db: Kysely<any>, { prefix }: MigrationContext): Promise<void> {
    await db.schema
      .createTable('portal_sessions')
      .addColumn('token_hash', 'varchar(191)', (c) => c.primaryKey())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('session_ttl_ms', 'bigint')
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex(`${prefix}portal_sessions_expires_idx`).on('portal_sessions').columns(['expires_at']).execute()
  },
}
