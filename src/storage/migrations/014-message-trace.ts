import type { Kysely } from 'kysely'
import type { Migration } from './migration.js'

/**
 * OpenTelemetry: the W3C `traceparent` of the `send()` span a message was written in, so each
 * delivery attempt (in whichever process, however much later) continues that trace. NULL when
 * OpenTelemetry is off.
 */
export const messageTrace: Migration = {
  name: '014-message-trace',
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('messages').addColumn('trace_context', 'text').execute()
  },
}
