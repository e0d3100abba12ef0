import type { Selectable } from 'kysely'
import type { InboundMessageRecord, InboundStatus } from '../../core/types.js'
import { toDate, toNullableDate, toMillis, toNullableMillis, type Millis, type NullableMillis } from './time.js'
import { parseJson } from './json.js'

/** The `inbound_messages` table's columns (logical name; the real one carries the prefix). */
export interface InboundMessagesTable {
  id: string
  source: string
  webhook_id: string
  type: string
  payload: string
  /** JSON `Record<string, string>`. */
  headers: string
  status: InboundStatus
  attempts: number
  next_attempt_at: NullableMillis
  lease_owner: string | null
  last_error: string | null
  dead_reason: string | null
  received_at: Millis
  updated_at: Millis
  processed_at: NullableMillis
}

/** Received-webhook rows: the `inbound_messages` table's row as read, and the mappers to its record and back. */
export type InboundMessageRow = Selectable<InboundMessagesTable>

export function inboundMessageFromRow(row: InboundMessageRow): InboundMessageRecord {
  return {
    id: row.id,
    source: row.source,
    webhookId: row.webhook_id,
    type: row.type,
    payload: row.payload,
    headers: parseJson<Record<string, string>>(row.headers),
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: toNullableDate(row.next_attempt_at),
    leaseOwner: row.lease_owner,
    lastError: row.last_error,
    deadReason: row.dead_reason,
    receivedAt: toDate(row.received_at),
    updatedAt: toDate(row.updated_at),
    processedAt: toNullableDate(row.processed_at),
  }
}

export function inboundMessageToRow(message: InboundMessageRecord) {
  return {
    id: message.id,
    source: message.source,
    webhook_id: message.webhookId,
    type: message.type,
    payload: message.payload,
    headers: JSON.stringify(message.headers),
    status: message.status,
    attempts: message.attempts,
    next_attempt_at: toNullableMillis(message.nextAttemptAt),
    lease_owner: message.leaseOwner,
    last_error: message.lastError,
    dead_reason: message.deadReason,
    received_at: toMillis(message.receivedAt),
    updated_at: toMillis(message.updatedAt),
    processed_at: toNullableMillis(message.processedAt),
  }
}
