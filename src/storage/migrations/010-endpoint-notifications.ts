import type { Kysely } from 'kysely'
import type { Migration } from './migration.js'

/**
 * Owner notifications: the failing episode (`failing_since` value) an `endpoint.failing`
 * notification was last sent for, and its share of the auto-disable threshold in percent, so each
 * share is announced once per episode across processes, and the episode's end as `endpoint.recovered`.
 */
export const endpointNotifications: Migration = {
  name: '010-endpoint-notifications',
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('endpoints').addColumn('failing_notified_since', 'bigint').execute()
    await db.schema.alterTable('endpoints').addColumn('failing_notified_percent', 'integer').execute()
  },
}
