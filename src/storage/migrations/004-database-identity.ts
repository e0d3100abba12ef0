import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'

/** The name of the row holding the database identity in the `meta` table. */
export const DATABASE_ID = 'database_id'

/**
 * A `meta` table of named values, and a random identity for this set of hookrelay tables. Written
 * once, under the migration lock, so every process on these tables reads the same id however it
 * connects; relays on other databases, schemas or table prefixes get other ids. The Redis driver
 * namespaces its keys with it, so two relays sharing one Redis never see each other's work.
 */
export const databaseIdentity: Migration = {
  name: '004-database-identity',
  async up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
    await db.schema
      .createTable('meta')
      .addColumn('name', dialect.keyTextType, (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute()
    await db.insertInto('meta').values({ name: DATABASE_ID, value: randomBytes(8).toString('hex') }).execute()
  },
}
