import type { Kysely } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'
import { CLAIMABLE_DELIVERY, CLAIMABLE_INBOUND } from '../sql/claimable.js'
import { claimIndexColumn, partialIndex, withClaimDueColumn } from './partial-index.js'

/** The first schema: endpoints, messages, deliveries, attempts, inbound messages. */
export const initial: Migration = {
  name: '001-initial',
  async up(db: Kysely<any>, context: MigrationContext): Promise<void> {
    const { prefix } = context
    // Text that is a key, unique, referenced or indexed; MySQL cannot index `text`.
    const key = context.dialect.keyTextType
    await db.schema
      .createTable('endpoints')
      .addColumn('id', key, (c) => c.primaryKey())
      .addColumn('tenant', key)
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('channels', 'text', (c) => c.notNull())
      .addColumn('secrets', 'text', (c) => c.notNull())
      .addColumn('headers', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('retry_schedule', 'text')
      .addColumn('rate_limit', 'text')
      .addColumn('max_concurrency', 'integer')
      .addColumn('circuit_breaker', 'text')
      .addColumn('ordering', 'text', (c) => c.notNull())
      .addColumn('disabled_at', 'bigint')
      .addColumn('disabled_reason', 'text')
      .addColumn('failing_since', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex(`${prefix}endpoints_tenant_idx`).on('endpoints').columns(['tenant']).execute()

    await db.schema
      .createTable('messages')
      .addColumn('id', key, (c) => c.primaryKey())
      .addColumn('tenant', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('channels', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text')
      .addColumn('idempotency_scope', key, (c) => c.unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('deliveries')
      .addColumn('id', key, (c) => c.primaryKey())
      .addColumn('message_id', key, (c) => c.notNull().references('messages.id').onDelete('cascade'))
      .addColumn('endpoint_id', key, (c) => c.notNull())
      .addColumn('status', key, (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('lease_owner', 'text')
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('dead_reason', 'text')
      .addColumn('next_trigger', 'text', (c) => c.notNull().defaultTo('scheduled'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('completed_at', 'bigint')
      .$call((table) => withClaimDueColumn(table, CLAIMABLE_DELIVERY, context))
      .execute()
    // The claim: status IN ('pending', 'delivering') AND next_attempt_at <= now ORDER BY next_attempt_at
    // LIMIT n. A partial index in next_attempt_at order lets it stop after n rows; an index on
    // (status, next_attempt_at) would make it sort every due row of both statuses on every claim.
    await db.schema
      .createIndex(`${prefix}deliveries_claim_idx`)
      .on('deliveries')
      .column(claimIndexColumn(context))
      .$call((index) => partialIndex(index, CLAIMABLE_DELIVERY, context))
      .execute()
    await db.schema
      .createIndex(`${prefix}deliveries_endpoint_idx`)
      .on('deliveries')
      .columns(['endpoint_id', 'status'])
      .execute()
    await db.schema.createIndex(`${prefix}deliveries_message_idx`).on('deliveries').columns(['message_id']).execute()

    await db.schema
      .createTable('attempts')
      .addColumn('id', key, (c) => c.primaryKey())
      .addColumn('delivery_id', key, (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('endpoint_id', key, (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('response_body', 'text')
      .addColumn('error', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('triggered_by', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex(`${prefix}attempts_delivery_idx`).on('attempts').columns(['delivery_id']).execute()

    await db.schema
      .createTable('inbound_messages')
      .addColumn('id', key, (c) => c.primaryKey())
      .addColumn('source', key, (c) => c.notNull())
      .addColumn('webhook_id', key, (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('headers', 'text', (c) => c.notNull())
      .addColumn('status', key, (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('lease_owner', 'text')
      .addColumn('last_error', 'text')
      .addColumn('dead_reason', 'text')
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('processed_at', 'bigint')
      .addUniqueConstraint(`${prefix}inbound_messages_source_webhook_id_key`, ['source', 'webhook_id'])
      .$call((table) => withClaimDueColumn(table, CLAIMABLE_INBOUND, context))
      .execute()
    await db.schema
      .createIndex(`${prefix}inbound_messages_claim_idx`)
      .on('inbound_messages')
      .column(claimIndexColumn(context))
      .$call((index) => partialIndex(index, CLAIMABLE_INBOUND, context))
      .execute()
  },
}
