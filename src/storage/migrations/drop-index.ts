import type { Kysely } from 'kysely'
import type { MigrationContext } from './migration.js'

/** `drop index <name>`, and `on <table>` where the database wants the table named (MySQL). */
export async function dropIndex(db: Kysely<any>, name: string, table: string, context: MigrationContext): Promise<void> {
  const drop = db.schema.dropIndex(name)
  await (context.dialect.name === 'mysql' ? drop.on(table) : drop).execute()
}
