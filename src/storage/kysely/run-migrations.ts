import type { StorageDialect } from '../dialect/dialect.js'
import type { Migration } from '../migrations/index.js'
import type { Db } from './kysely-storage-helpers.js'

/** Creates the migrations table if need be and applies the migrations not yet applied, under the dialect's lock. */
export async function runMigrations(
  db: Db,
  dialect: StorageDialect,
  migrations: readonly Migration[],
  prefix: string,
): Promise<void> {
  await dialect.withMigrationLock(db, async (tx) => {
    await tx.schema
      .createTable('migrations')
      .ifNotExists()
      .addColumn('name', dialect.keyTextType, (c) => c.primaryKey())
      .addColumn('applied_at', 'bigint', (c) => c.notNull())
      .execute()
    const applied = new Set(
      (await tx.selectFrom('migrations').select('name').execute()).map((row: { name: string }) => row.name),
    )
    for (const migration of migrations) {
      if (applied.has(migration.name)) continue
      await migration.up(tx, { prefix, dialect })
      // Wall clock: when the schema changed is a fact about the database, not relay time.
      await tx.insertInto('migrations').values({ name: migration.name, applied_at: Date.now() }).execute()
    }
  })
}
