import type { PortalSessionsTable } from './portal-sessions.js'
import type { AttemptsTable } from './attempts.js'
import type { DeliveriesTable } from './deliveries.js'
import type { EndpointsTable } from './endpoints.js'
import type { InboundMessagesTable } from './inbound-messages.js'
import type { MessagesTable } from './messages.js'
import type { MetaTable } from './meta.js'
import type { MigrationsTable } from './migrations.js'

// The tables are declared beside their row mappers (one file per table); re-exported here for one import.
export type { PortalSessionsTable } from './portal-sessions.js'
export type { AttemptsTable, DeliveriesTable, EndpointsTable, InboundMessagesTable, MessagesTable, MetaTable, MigrationsTable }
export type { Millis, NullableMillis } from './time.js'

/**
 * The tables hookrelay keeps, by their logical names. The real names carry the configured prefix
 * (`hookrelay_deliveries`), added by `TablePrefixPlugin`, so queries are written against these.
 *
 * Times are BIGINT epoch milliseconds on both databases. `pg` returns int8 as a string, so every
 * selected time is `number | string` and the row mappers convert it with `Number()`.
 * JSON-ish fields are TEXT holding JSON.
 */
export interface HookrelayDatabase {
  endpoints: EndpointsTable
  messages: MessagesTable
  deliveries: DeliveriesTable
  attempts: AttemptsTable
  inbound_messages: InboundMessagesTable
  migrations: MigrationsTable
  meta: MetaTable
  portal_sessions: PortalSessionsTable
}

/** The logical table names, which the prefix plugin renames. */
export const TABLE_NAMES = [
  'endpoints',
  'messages',
  'deliveries',
  'attempts',
  'inbound_messages',
  'migrations',
  'meta',
  'portal_sessions',
] as const satisfies readonly (keyof HookrelayDatabase)[]
