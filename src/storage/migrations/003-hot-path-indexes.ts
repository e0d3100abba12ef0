import type { Kysely } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'
import { CLAIMABLE_DELIVERY } from '../sql/claimable.js'
import { partialIndex } from './partial-index.js'

/**
 * Indexes for hot statements that read more than their answer. The FIFO gate asks, before each
 * attempt to an ordered endpoint, for its oldest unfinished delivery sent earlier: with only
 * (endpoint_id, status) it read every unfinished delivery of the endpoint and sorted them (the
 * whole backlog, per attempt). A partial index of unfinished deliveries by (endpoint_id, id)
 * answers with one probe and stays as small as the backlog.
 */
export const hotPathIndexes: Migration = {
  name: '003-hot-path-indexes',
  async up(db: Kysely<any>, context: MigrationContext): Promise<void> {
    const { prefix } = context
    await db.schema
      .createIndex(`${prefix}deliveries_endpoint_unfinished_idx`)
      .on('deliveries')
      .columns(['endpoint_id', 'id'])
      .$call((index) => partialIndex(index, CLAIMABLE_DELIVERY, context))
      .execute()
  },
}
