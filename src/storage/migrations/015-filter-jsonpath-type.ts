import { sql, type Kysely } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'

/**
 * Where payload filters are routed in SQL (`capabilities.jsonpath`: Postgres), `filter_jsonpath`
 * becomes a `jsonpath` column: the fan-out statement then uses the stored path as it is, instead
 * of parsing its text for every (message, filtered endpoint) pair. Elsewhere nothing changes.
 */
export const filterJsonpathType: Migration = {
  name: '015-filter-jsonpath-type',
  async up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
    if (!dialect.capabilities.jsonpath) return
    await db.schema
      .alterTable('endpoints')
      .alterColumn('filter_jsonpath', (column) => column.setDataType(sql`jsonpath using filter_jsonpath::jsonpath`))
      .execute()
  },
}
