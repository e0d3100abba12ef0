import { toMilliseconds, type Duration } from '../core/duration.js'
import type { EndpointRecord } from '../core/types.js'
import type { CircuitBreakerInput, EndpointInput, EndpointUpdate } from './endpoint-input.js'
import { retryMs } from './endpoint-views.js'

/**
 * The fields of `input` that differ from `existing`, as an `endpoints.update` patch: what
 * `endpoints.upsert` applies. Fields `input` leaves out keep their values; the uid and the tenant
 * name the endpoint, and the secret and the disabled state have their own operations.
 */
export function changedFields(existing: EndpointRecord, input: EndpointInput): EndpointUpdate {
  const patch: EndpointUpdate = {}
  const differs = (stored: unknown, wanted: unknown) => canonical(stored) !== canonical(wanted)
  if (input.url !== undefined && differs(existing.url, input.url)) patch.url = input.url
  if (input.eventTypes !== undefined && differs(existing.eventTypes, input.eventTypes)) patch.eventTypes = input.eventTypes
  if (input.channels !== undefined && differs(existing.channels, input.channels)) patch.channels = input.channels
  if (input.description !== undefined && differs(existing.description, input.description)) patch.description = input.description
  if (input.headers !== undefined && differs(existing.headers, input.headers)) patch.headers = input.headers
  if (input.metadata !== undefined && differs(existing.metadata, input.metadata)) patch.metadata = input.metadata
  if (input.retry !== undefined) {
    const wanted = retryMs(input.retry)
    const stored = { retrySchedule: existing.retrySchedule, retryByType: existing.retryByType ?? null }
    if (differs(stored, wanted)) patch.retry = input.retry
  }
  if (input.rateLimit !== undefined && differs(existing.rateLimit, input.rateLimit && { max: input.rateLimit.max, perMs: ms(input.rateLimit.per) })) {
    patch.rateLimit = input.rateLimit
  }
  if (input.maxConcurrency !== undefined && differs(existing.maxConcurrency, input.maxConcurrency)) patch.maxConcurrency = input.maxConcurrency
  if (input.ordering !== undefined && differs(existing.ordering, input.ordering)) patch.ordering = input.ordering
  if (input.circuitBreaker !== undefined && differs(existing.circuitBreaker, circuitMs(input.circuitBreaker))) patch.circuitBreaker = input.circuitBreaker
  return patch
}

function ms(duration: Duration): number {
  return toMilliseconds(duration, 'duration')
}

function circuitMs(input: CircuitBreakerInput | null): unknown {
  if (input === null) return null
  const { window, resetTimeout, ...rest } = input
  return {
    ...rest,
    ...(window !== undefined && { windowMs: ms(window) }),
    ...(resetTimeout !== undefined && { resetTimeoutMs: ms(resetTimeout) }),
  }
}

/** JSON with object keys sorted, so `{ a, b }` and `{ b, a }` compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  )
}
