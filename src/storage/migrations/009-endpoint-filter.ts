import type { Kysely } from 'kysely'
import type { Migration } from './migration.js'

/**
 * Payload filters per endpoint: `filter` holds the filter as the user wrote it (JSON), and
 * `filter_jsonpath` the same filter as a Postgres jsonpath, which the Postgres fan-out statement
 * evaluates in SQL; other databases evaluate `filter` in JavaScript. Both NULL: every message.
 */
export const endpointFilter: Migration = {
  name: '009-endpoint-filter',
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('endpoints').addColumn('filter', 'text').execute()
    await db.schema.alterTable('endpoints').addColumn('filter_jsonpath', 'text').execute()
  },
}
