import type { Selectable } from 'kysely'
import type { AttemptTrigger, DeadReason, DeliveryRecord, DeliveryStatus } from '../../core/types.js'
import { toDate, toNullableDate, toMillis, toNullableMillis, type Millis, type NullableMillis } from './time.js'

/** The `deliveries` table's columns (logical name; the real one carries the prefix). */
export interface DeliveriesTable {
  id: string
  message_id: string
  endpoint_id: string
  status: DeliveryStatus
  attempts: number
  /** When due; while `delivering`, the lease expiry. */
  next_attempt_at: NullableMillis
  lease_owner: string | null
  last_status_code: number | null
  last_error: string | null
  dead_reason: DeadReason | null
  next_trigger: AttemptTrigger
  created_at: Millis
  updated_at: Millis
  completed_at: NullableMillis
}

/** Delivery rows: the `deliveries` table's row as read, and the mappers to its record and back. */
export type DeliveryRow = Selectable<DeliveriesTable>

export function deliveryFromRow(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    messageId: row.message_id,
    endpointId: row.endpoint_id,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: toNullableDate(row.next_attempt_at),
    leaseOwner: row.lease_owner,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    deadReason: row.dead_reason,
    nextTrigger: row.next_trigger,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    completedAt: toNullableDate(row.completed_at),
  }
}

export function deliveryToRow(delivery: DeliveryRecord) {
  return {
    id: delivery.id,
    message_id: delivery.messageId,
    endpoint_id: delivery.endpointId,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: toNullableMillis(delivery.nextAttemptAt),
    lease_owner: delivery.leaseOwner,
    last_status_code: delivery.lastStatusCode,
    last_error: delivery.lastError,
    dead_reason: delivery.deadReason,
    next_trigger: delivery.nextTrigger,
    created_at: toMillis(delivery.createdAt),
    updated_at: toMillis(delivery.updatedAt),
    completed_at: toNullableMillis(delivery.completedAt),
  }
}
