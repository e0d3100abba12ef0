import type { Kysely } from 'kysely'
import type { Migration } from './migration.js'

/**
 * Deleting an endpoint marks it (`deleted_at`) instead of removing it, so its deliveries and
 * attempts stay readable until retention purges them. Deleted endpoints are left out of lists
 * and routing.
 */
export const endpointSoftDelete: Migration = {
  name: '006-endpoint-soft-delete',
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('endpoints').addColumn('deleted_at', 'bigint').execute()
  },
}
