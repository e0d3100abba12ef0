import { ValidationError } from '../../core/errors.js'
import { filterToJsonPath } from '../../core/filters/filter-jsonpath.js'
import { parseFilter } from '../../core/filters/parse-filter.js'
import { retryFromColumn, retryToColumn } from './retry-schedule-column.js'
import { endpointUidScope } from './endpoint-uid-scope.js'
import type { Selectable } from 'kysely'
import type { EndpointRecord } from '../../core/types.js'
import { toDate, toNullableDate, toMillis, toNullableMillis, type Millis, type NullableMillis } from './time.js'
import { parseJson, parseNullableJson } from './json.js'

/** The `endpoints` table's columns (logical name; the real one carries the prefix). */
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

/** Endpoint rows: the `endpoints` table's row as read, and the mappers to its record and back. */
export type EndpointRow = Selectable<EndpointsTable>

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
    uid: row.uid ?? null,
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
    ...retryFromColumn(row.retry_schedule),
    rateLimit: parseNullableJson<EndpointRecord['rateLimit']>(row.rate_limit),
    maxConcurrency: row.max_concurrency,
    circuitBreaker: parseNullableJson<EndpointRecord['circuitBreaker']>(row.circuit_breaker),
    filter: parseNullableJson<EndpointRecord['filter']>(row.filter),
    ordering: row.ordering,
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
    uid: endpoint.uid,
    uid_scope: endpointUidScope(endpoint.tenant, endpoint.uid),
    tenant: endpoint.tenant,
    url: endpoint.url,
    description: endpoint.description,
    event_types: JSON.stringify(endpoint.eventTypes),
    channels: JSON.stringify(endpoint.channels),
    secrets: secretsToJson(endpoint.secrets),
    headers: JSON.stringify(endpoint.headers),
    metadata: JSON.stringify(endpoint.metadata),
    retry_schedule: retryToColumn(endpoint.retrySchedule, endpoint.retryByType),
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
  if (patch.tenant !== undefined || patch.uid !== undefined) {
    // The uniqueness key hashes both: whoever changes one passes the other as it stands.
    if (patch.tenant === undefined || patch.uid === undefined) throw new TypeError('An endpoint patch changing tenant or uid must give both.')
    row.tenant = patch.tenant
    row.uid = patch.uid
    row.uid_scope = endpointUidScope(patch.tenant, patch.uid)
  }
  if (patch.url !== undefined) row.url = patch.url
  if (patch.description !== undefined) row.description = patch.description
  if (patch.eventTypes !== undefined) row.event_types = JSON.stringify(patch.eventTypes)
  if (patch.channels !== undefined) row.channels = JSON.stringify(patch.channels)
  if (patch.secrets !== undefined) row.secrets = secretsToJson(patch.secrets)
  if (patch.headers !== undefined) row.headers = JSON.stringify(patch.headers)
  if (patch.metadata !== undefined) row.metadata = JSON.stringify(patch.metadata)
  if (patch.retrySchedule !== undefined || patch.retryByType !== undefined) {
    row.retry_schedule = retryToColumn(patch.retrySchedule, patch.retryByType)
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
