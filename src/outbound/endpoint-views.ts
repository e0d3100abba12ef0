import { toMilliseconds, type Duration } from '../core/duration.js'
import type { CircuitBreakerSettings, EndpointRecord } from '../core/types.js'
import type { CircuitBreakerInput, EndpointRetryInput } from './endpoint-input.js'

/** How endpoints look from outside (secrets and header values hidden), and the conversions of their input. */

/**
 * An endpoint as the API returns it: everything but its secrets, with the values of its custom
 * headers (where API keys go) replaced by `REDACTED`. `getHeaders(id)` reveals them.
 */
export type Endpoint = Omit<EndpointRecord, 'secrets'> & { disabled: boolean }

/**
 * What an endpoint's custom header values read as, everywhere but `getHeaders`. Sent back as a
 * value in `update({ headers })`, it keeps the stored value of that header.
 */
export const REDACTED = '[redacted]'

/** Returned where the caller asked for the secret: on create, on rotation, and by `getSecret`. */
export type EndpointWithSecret = Endpoint & { secret: string }

/**
 * What `endpoints.create` returns: the endpoint with its secret, and whether it was created now
 * (`false`: an endpoint with the given uid existed in the tenant and is returned unchanged).
 */
export type CreatedEndpoint = EndpointWithSecret & { created: boolean }

/** What `endpoints.upsert` returns: `created`, or `updated` when the existing one's config changed. */
export type UpsertedEndpoint = CreatedEndpoint & { updated: boolean }

/** Which tenant a uid is looked up in. */
export interface UidLookupOptions {
  /**
   * The tenant whose endpoint the uid names; uids are unique per tenant.
   * @default null (the endpoints without a tenant)
   * @example { tenant: 'acme' }
   */
  tenant?: string | null
}

export function toPublic(record: EndpointRecord): Endpoint {
  const { secrets: _secrets, headers, ...rest } = record
  const redacted = Object.fromEntries(Object.keys(headers).map((name) => [name, REDACTED]))
  return { ...rest, headers: redacted, disabled: record.disabledAt !== null }
}

export function currentSecret(record: EndpointRecord): string {
  const current = record.secrets.find((s) => s.expiresAt === null) ?? record.secrets[0]
  return current?.secret ?? ''
}

/** Retry input (durations) to the stored schedules (milliseconds); `null` clears both. */
export function retryMs(retry: EndpointRetryInput | null | undefined): Pick<EndpointRecord, 'retrySchedule' | 'retryByType'> {
  const ms = (schedule: Duration[], label: string) => schedule.map((d, i) => toMilliseconds(d, `${label}[${i}]`))
  return {
    retrySchedule: retry?.schedule ? ms(retry.schedule, 'retry.schedule') : null,
    retryByType: retry?.byType
      ? Object.fromEntries(Object.entries(retry.byType).map(([type, schedule]) => [type, ms(schedule, `retry.byType.${type}`)]))
      : null,
  }
}

export function rateLimitMs(limit: { max: number; per: Duration } | null | undefined): EndpointRecord['rateLimit'] {
  return limit ? { max: limit.max, perMs: toMilliseconds(limit.per, 'rateLimit.per') } : null
}

/** Circuit-breaker input (durations as strings) to stored settings (milliseconds). */
export function circuitSettings(input: CircuitBreakerInput | null | undefined): CircuitBreakerSettings | null {
  if (!input) return null
  return {
    ...(input.enabled !== undefined && { enabled: input.enabled }),
    ...(input.errorThresholdPercentage !== undefined && { errorThresholdPercentage: input.errorThresholdPercentage }),
    ...(input.volumeThreshold !== undefined && { volumeThreshold: input.volumeThreshold }),
    ...(input.window !== undefined && { windowMs: toMilliseconds(input.window, 'circuitBreaker.window') }),
    ...(input.resetTimeout !== undefined && { resetTimeoutMs: toMilliseconds(input.resetTimeout, 'circuitBreaker.resetTimeout') }),
  }
}
