import type { Selectable } from 'kysely'
import type {
  AttemptOutcome,
  AttemptRecord,
  AttemptTrigger,
  DeadReason,
  DeliveryRecord,
  DeliveryStatus,
  EndpointRecord,
  InboundMessageRecord,
  InboundStatus,
  MessageRecord,
} from '../core/types.js'
import { ValidationError } from '../core/errors.js'
import { filterToJsonPath } from '../core/filters/filter-jsonpath.js'
import { parseFilter } from '../core/filters/parse-filter.js'
import type {
  AttemptsTable,
  DeliveriesTable,
  EndpointsTable,
  InboundMessagesTable,
  MessagesTable,
} from './schema.js'

/**
 * Rows to domain records and back. Times are epoch milliseconds in the database (a string when
 * `pg` reads an int8) and `Date`s in records; JSON-ish fields are TEXT holding JSON.
 */

export type EndpointRow = Selectable<EndpointsTable>
export type MessageRow = Selectable<MessagesTable>
export type DeliveryRow = Selectable<DeliveriesTable>
export type AttemptRow = Selectable<AttemptsTable>
export type InboundMessageRow = Selectable<InboundMessagesTable>

export function toDate(value: number | string): Date {
  return new Date(Number(value))
}

export function toNullableDate(value: number | string | null): Date | null {
  return value === null ? null : new Date(Number(value))
}

export function toMillis(date: Date): number {
  return date.getTime()
}

export function toNullableMillis(date: Date | null | undefined): number | null {
  return date == null ? null : date.getTime()
}

function parseJson<T>(text: string): T {
  return JSON.parse(text) as T
}

function parseNullableJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T)
}

// ---- endpoints ------------------------------------------------------------------------------

interface StoredSecret {
  secret: string
  expiresAt: number | null
}

export function secretsToJson(secrets: EndpointRecord['secrets']): string {
  const stored: StoredSecret[] = secrets.map((s) => ({ secret: s.secret, expiresAt: toNullableMillis(s.expiresAt) }))
  return JSON.stringify(stored)
}

export function endpointFromRow(row: EndpointRow): EndpointRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    url: row.url,
    description: row.description,
    eventTypes: parseJson<string[]>(row.event_types),
    channels: parseJson<string[]>(row.channels),
    secrets: parseJson<StoredSecret[]>(row.secrets).map((s) => ({
      secret: s.secret,
      expiresAt: s.expiresAt === null ? null : new Date(s.expiresAt),
    })),
    headers: parseJson<Record<string, string>>(row.headers),
    metadata: parseJson<Record<string, unknown>>(row.metadata),
    retrySchedule: parseNullableJson<number[]>(row.retry_schedule),
    rateLimit: parseNullableJson<EndpointRecord['rateLimit']>(row.rate_limit),
    maxConcurrency: row.max_concurrency,
    circuitBreaker: parseNullableJson<EndpointRecord['circuitBreaker']>(row.circuit_breaker),
    filter: parseNullableJson<EndpointRecord['filter']>(row.filter),
    ordering: row.ordering as EndpointRecord['ordering'],
    disabledAt: toNullableDate(row.disabled_at),
    disabledReason: row.disabled_reason,
    failingSince: toNullableDate(row.failing_since),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  }
}

export function endpointToRow(endpoint: EndpointRecord) {
  return {
    id: endpoint.id,
    tenant: endpoint.tenant,
    url: endpoint.url,
    description: endpoint.description,
    event_types: JSON.stringify(endpoint.eventTypes),
    channels: JSON.stringify(endpoint.channels),
    secrets: secretsToJson(endpoint.secrets),
    headers: JSON.stringify(endpoint.headers),
    metadata: JSON.stringify(endpoint.metadata),
    retry_schedule: endpoint.retrySchedule === null ? null : JSON.stringify(endpoint.retrySchedule),
    rate_limit: endpoint.rateLimit === null ? null : JSON.stringify(endpoint.rateLimit),
    max_concurrency: endpoint.maxConcurrency,
    circuit_breaker: endpoint.circuitBreaker === null ? null : JSON.stringify(endpoint.circuitBreaker),
    ...filterColumns(endpoint.filter),
    ordering: endpoint.ordering,
    disabled_at: toNullableMillis(endpoint.disabledAt),
    disabled_reason: endpoint.disabledReason,
    failing_since: toNullableMillis(endpoint.failingSince),
    created_at: toMillis(endpoint.createdAt),
    updated_at: toMillis(endpoint.updatedAt),
  }
}

/** The columns an `EndpointPatch` changes; fields left `undefined` are not touched. */
export function endpointPatchToRow(patch: Partial<EndpointRecord>): Partial<ReturnType<typeof endpointToRow>> {
  const row: Partial<ReturnType<typeof endpointToRow>> = {}
  if (patch.tenant !== undefined) row.tenant = patch.tenant
  if (patch.url !== undefined) row.url = patch.url
  if (patch.description !== undefined) row.description = patch.description
  if (patch.eventTypes !== undefined) row.event_types = JSON.stringify(patch.eventTypes)
  if (patch.channels !== undefined) row.channels = JSON.stringify(patch.channels)
  if (patch.secrets !== undefined) row.secrets = secretsToJson(patch.secrets)
  if (patch.headers !== undefined) row.headers = JSON.stringify(patch.headers)
  if (patch.metadata !== undefined) row.metadata = JSON.stringify(patch.metadata)
  if (patch.retrySchedule !== undefined) {
    row.retry_schedule = patch.retrySchedule === null ? null : JSON.stringify(patch.retrySchedule)
  }
  if (patch.rateLimit !== undefined) row.rate_limit = patch.rateLimit === null ? null : JSON.stringify(patch.rateLimit)
  if (patch.maxConcurrency !== undefined) row.max_concurrency = patch.maxConcurrency
  if (patch.circuitBreaker !== undefined) {
    row.circuit_breaker = patch.circuitBreaker === null ? null : JSON.stringify(patch.circuitBreaker)
  }
  if (patch.filter !== undefined) Object.assign(row, filterColumns(patch.filter))
  if (patch.ordering !== undefined) row.ordering = patch.ordering
  if (patch.disabledAt !== undefined) row.disabled_at = toNullableMillis(patch.disabledAt)
  if (patch.disabledReason !== undefined) row.disabled_reason = patch.disabledReason
  if (patch.failingSince !== undefined) row.failing_since = toNullableMillis(patch.failingSince)
  if (patch.updatedAt !== undefined) row.updated_at = toMillis(patch.updatedAt)
  return row
}

/**
 * The stored filter and its jsonpath form, written together so they never disagree. A filter
 * reaching here was checked by the endpoint schema; one that does not parse is refused.
 */
function filterColumns(filter: EndpointRecord['filter']): { filter: string | null; filter_jsonpath: string | null } {
  if (filter === null) return { filter: null, filter_jsonpath: null }
  const parsed = parseFilter(filter)
  if (!parsed.node) throw new ValidationError('Invalid endpoint filter.', parsed.issues.map((i) => ({ path: ['filter', ...i.path], message: i.message })))
  return { filter: JSON.stringify(filter), filter_jsonpath: filterToJsonPath(parsed.node) }
}

// ---- messages -------------------------------------------------------------------------------

export function messageFromRow(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    type: row.type,
    payload: row.payload,
    channels: parseJson<string[]>(row.channels),
    idempotencyKey: row.idempotency_key,
    createdAt: toDate(row.created_at),
    ...(row.trace_context ? { traceContext: row.trace_context } : {}),
  }
}

export function messageToRow(message: MessageRecord, idempotencyScope: string | null) {
  return {
    id: message.id,
    tenant: message.tenant,
    type: message.type,
    payload: message.payload,
    channels: JSON.stringify(message.channels),
    idempotency_key: message.idempotencyKey,
    idempotency_scope: idempotencyScope,
    created_at: toMillis(message.createdAt),
    trace_context: message.traceContext ?? null,
  }
}

// ---- deliveries -----------------------------------------------------------------------------

export function deliveryFromRow(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    messageId: row.message_id,
    endpointId: row.endpoint_id,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: toNullableDate(row.next_attempt_at),
    leaseOwner: row.lease_owner,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    deadReason: row.dead_reason as DeadReason | null,
    nextTrigger: row.next_trigger as AttemptTrigger,
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

// ---- attempts -------------------------------------------------------------------------------

export function attemptFromRow(row: AttemptRow): AttemptRecord {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    messageId: row.message_id,
    endpointId: row.endpoint_id,
    number: Number(row.number),
    startedAt: toDate(row.started_at),
    durationMs: Number(row.duration_ms),
    statusCode: row.status_code,
    responseBody: row.response_body,
    error: row.error,
    outcome: row.outcome as AttemptOutcome,
    trigger: row.triggered_by as AttemptTrigger,
  }
}

export function attemptToRow(attempt: AttemptRecord) {
  return {
    id: attempt.id,
    delivery_id: attempt.deliveryId,
    message_id: attempt.messageId,
    endpoint_id: attempt.endpointId,
    number: attempt.number,
    started_at: toMillis(attempt.startedAt),
    duration_ms: Math.round(attempt.durationMs),
    status_code: attempt.statusCode,
    response_body: attempt.responseBody,
    error: attempt.error,
    outcome: attempt.outcome,
    triggered_by: attempt.trigger,
  }
}

// ---- inbound messages -----------------------------------------------------------------------

export function inboundMessageFromRow(row: InboundMessageRow): InboundMessageRecord {
  return {
    id: row.id,
    source: row.source,
    webhookId: row.webhook_id,
    type: row.type,
    payload: row.payload,
    headers: parseJson<Record<string, string>>(row.headers),
    status: row.status as InboundStatus,
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

/** The column values of an attempt row, as `attemptToRow` makes them. */
export type AttemptRowValues = ReturnType<typeof attemptToRow>
