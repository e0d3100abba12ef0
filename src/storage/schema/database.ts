import type { ColumnType } from 'kysely'
import type {
  AttemptOutcome, AttemptTrigger, DeadReason, DeliveryStatus, EndpointRecord, InboundStatus,
} from '../../core/types.js'

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

/** Epoch milliseconds: written as a number, read as a number (SQLite) or a string (Postgres int8). */
export type Millis = ColumnType<number | string, number, number>
export type NullableMillis = ColumnType<number | string | null, number | null, number | null>

export interface EndpointsTable {
  id: string
  tenant: string | null
  url: string
  description: string | null
  /** JSON `string[]`. */
  event_types: string
  /** JSON `string[]`. */
  channels: string
  /** JSON `{ secret: string, expiresAt: number | null }[]`. */
  secrets: string
  /** JSON `Record<string, string>`. */
  headers: string
  /** JSON `Record<string, unknown>`. */
  metadata: string
  /** JSON `number[]` or NULL. */
  retry_schedule: string | null
  /** JSON `{ max, perMs }` or NULL. */
  rate_limit: string | null
  max_concurrency: number | null
  circuit_breaker: string | null
  ordering: EndpointRecord['ordering']
  disabled_at: NullableMillis
  disabled_reason: string | null
  failing_since: NullableMillis
  created_at: Millis
  updated_at: Millis
  /** When a worker opened the circuit: the time it may go half-open; NULL while closed. */
  circuit_open_until: NullableMillis
  /** When the endpoint was deleted; deleted endpoints keep their history until retention. */
  deleted_at: NullableMillis
  /** The caller's id of the endpoint (migration 007); unique per tenant through `uid_scope`. */
  uid: string | null
  /** Unique: a hash of (tenant, uid), NULL without a uid or once deleted. See `endpointUidScope`. */
  uid_scope: string | null
  /** JSON `PayloadFilter` or NULL (migration 009). */
  filter: string | null
  /** The filter as a Postgres jsonpath (`filterToJsonPath`), which Postgres routes with; NULL without a filter. */
  filter_jsonpath: string | null
  /** The failing episode (its `failing_since`) last announced as `endpoint.failing`, and the share in percent (migration 010). */
  failing_notified_since: NullableMillis
  failing_notified_percent: number | null
}

export interface MessagesTable {
  id: string
  tenant: string | null
  type: string
  payload: string
  /** JSON `string[]`. */
  channels: string
  idempotency_key: string | null
  /** Unique; computed by the caller (e.g. tenant + key). NULL never conflicts. */
  idempotency_scope: string | null
  created_at: Millis
  /** The W3C `traceparent` of the send span (migration 012); NULL without OpenTelemetry. */
  trace_context: string | null
}

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

export interface AttemptsTable {
  id: string
  delivery_id: string
  message_id: string
  endpoint_id: string
  number: number
  started_at: Millis
  duration_ms: number
  status_code: number | null
  response_body: string | null
  error: string | null
  outcome: AttemptOutcome
  /** `scheduled` or `manual` (`trigger` is an SQL keyword, hence the name). */
  triggered_by: AttemptTrigger
}

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

export interface MigrationsTable {
  name: string
  applied_at: Millis
}

/** Named values of this set of tables, e.g. `database_id` (see migration 003). */
export interface MetaTable {
  name: string
  value: string
}

/**
 * Tenant portal links and sessions (migration 012), so a link made by one process is opened on
 * another. Only a SHA-256 of each token is stored: a database read gives no usable credential.
 */
export interface PortalSessionsTable {
  /** Hex SHA-256 of the link's or the session's token. */
  token_hash: string
  /** `link` (single use, exchanged for a session) or `session` (what the portal cookie proves). */
  kind: string
  tenant: string
  /** For a link: how long the session it opens lasts. */
  session_ttl_ms: NullableMillis
  expires_at: Millis
  /** When a link was exchanged; a used link is never exchanged again. */
  used_at: NullableMillis
  created_at: Millis
}
