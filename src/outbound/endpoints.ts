import { toMilliseconds, type Duration } from '../core/duration.js'
import { NotFoundError, RelayStateError } from '../core/errors.js'
import type { BulkResult, EndpointStats, RecoverOptions, StatsOptions } from '../core/operations.js'
import { newId } from '../core/ids.js'
import type { CircuitBreakerSettings, EndpointRecord, EndpointSecret } from '../core/types.js'
import { parseOrThrow } from '../core/validation.js'
import { generateSecret } from '../signing/index.js'
import type { EndpointFilter, Page, Storage } from '../storage/storage.js'
import {
  endpointInputSchema,
  endpointUpdateSchema,
  type CircuitBreakerInput,
  type EndpointInput,
  type EndpointUpdate,
} from './endpoint-input.js'
import type { SsrfGuard } from './ssrf-guard.js'

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

export interface EndpointsDeps {
  storage: Storage
  guard: SsrfGuard
  now: () => number
  /** Called after an endpoint was disabled (for the `endpoint.disabled` event). */
  onDisabled: (endpointId: string, reason: string) => void
  /** Recovery, statistics and health, implemented by the admin layer and wired by the relay. */
  operations?: EndpointOperations
}

/** What `relay.endpoints` delegates to the admin layer. */
export interface EndpointOperations {
  recover(id: string, options: RecoverOptions): Promise<BulkResult>
  stats(id: string, options: StatsOptions): Promise<EndpointStats>
  sweepHealth(): Promise<{ disabled: string[] }>
}

/** `relay.endpoints`: create and manage the URLs messages are delivered to. */
export class Endpoints {
  readonly #deps: EndpointsDeps

  constructor(deps: EndpointsDeps) {
    this.#deps = deps
  }

  /** Creates an endpoint; the result includes its signing secret (generated unless given). */
  async create(input: EndpointInput): Promise<EndpointWithSecret> {
    const parsed = parseOrThrow(endpointInputSchema, input, 'endpoint')
    this.#deps.guard.assertUrlAllowed(new URL(parsed.url))
    const now = new Date(this.#deps.now())
    const secret = parsed.secret ?? generateSecret()
    const record: EndpointRecord = {
      id: newId('ep', now.getTime()),
      tenant: parsed.tenant ?? null,
      url: parsed.url,
      description: parsed.description ?? null,
      eventTypes: parsed.eventTypes ?? [],
      channels: parsed.channels ?? [],
      secrets: [{ secret, expiresAt: null }],
      headers: parsed.headers ?? {},
      metadata: parsed.metadata ?? {},
      retrySchedule: scheduleMs(parsed.retry),
      rateLimit: rateLimitMs(parsed.rateLimit),
      maxConcurrency: parsed.maxConcurrency ?? null,
      ordering: parsed.ordering ?? 'none',
      circuitBreaker: circuitSettings(parsed.circuitBreaker),
      filter: parsed.filter ?? null,
      disabledAt: parsed.disabled ? now : null,
      disabledReason: parsed.disabled ? 'created disabled' : null,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    }
    await this.#deps.storage.insertEndpoint(record)
    return { ...toPublic(record), secret }
  }

  /** The endpoint, without its secret. Throws `NotFoundError` if it does not exist. */
  async get(id: string): Promise<Endpoint> {
    return toPublic(await this.#record(id))
  }

  /**
   * The endpoint's custom headers with their values in clear (everywhere else they read
   * `REDACTED`). Throws `NotFoundError` if it does not exist.
   * @example const { authorization } = await relay.endpoints.getHeaders(id)
   */
  async getHeaders(id: string): Promise<Record<string, string>> {
    return { ...(await this.#record(id)).headers }
  }

  /** The endpoint's current signing secret. */
  async getSecret(id: string): Promise<string> {
    return currentSecret(await this.#record(id))
  }

  /** Endpoints, newest first, filtered by tenant or disabled state; paginate with `nextCursor`. */
  async list(filter: EndpointFilter = {}): Promise<Page<Endpoint>> {
    const page = await this.#deps.storage.listEndpoints(filter)
    return { data: page.data.map(toPublic), nextCursor: page.nextCursor }
  }

  /** Changes the given fields; `null` clears an optional one. */
  async update(id: string, patch: EndpointUpdate): Promise<Endpoint> {
    const parsed = parseOrThrow(endpointUpdateSchema, patch, 'endpoint update')
    if (parsed.url) this.#deps.guard.assertUrlAllowed(new URL(parsed.url))
    // A header sent back as it was read (REDACTED) keeps its stored value.
    if (parsed.headers && Object.values(parsed.headers).includes(REDACTED)) {
      const stored = (await this.#record(id)).headers
      parsed.headers = Object.fromEntries(
        Object.entries(parsed.headers).flatMap(([name, value]) => {
          if (value !== REDACTED) return [[name, value]]
          const kept = Object.entries(stored).find(([n]) => n.toLowerCase() === name.toLowerCase())
          return kept ? [[name, kept[1]]] : []
        }),
      )
    }
    const { retry, rateLimit, circuitBreaker, ...rest } = parsed
    const record = await this.#deps.storage.updateEndpoint(id, {
      ...rest,
      ...(retry !== undefined && { retrySchedule: scheduleMs(retry) }),
      ...(rateLimit !== undefined && { rateLimit: rateLimitMs(rateLimit) }),
      ...(circuitBreaker !== undefined && { circuitBreaker: circuitSettings(circuitBreaker) }),
      ...(rest.tenant !== undefined && { tenant: rest.tenant ?? null }),
      ...(rest.description !== undefined && { description: rest.description ?? null }),
      ...(rest.filter !== undefined && { filter: rest.filter ?? null }),
      updatedAt: new Date(this.#deps.now()),
    })
    if (!record) throw new NotFoundError('Endpoint', id)
    return toPublic(record)
  }

  /**
   * Deletes the endpoint: it leaves lists and routing at once, its pending deliveries and dead
   * letters are discarded (reason `endpoint_deleted`; an attempt in flight finishes and is logged),
   * and its deliveries and attempt log stay readable until retention purges them.
   */
  async delete(id: string): Promise<void> {
    if (!(await this.#deps.storage.deleteEndpoint(id, new Date(this.#deps.now())))) throw new NotFoundError('Endpoint', id)
  }

  /** Stops deliveries to the endpoint; what comes due meanwhile is dead-lettered with reason `endpoint_disabled`. */
  async disable(id: string, reason = 'disabled by operator'): Promise<Endpoint> {
    const now = new Date(this.#deps.now())
    const record = await this.#deps.storage.updateEndpoint(id, { disabledAt: now, disabledReason: reason, updatedAt: now })
    if (!record) throw new NotFoundError('Endpoint', id)
    this.#deps.onDisabled(id, reason)
    return toPublic(record)
  }

  /** Resumes deliveries to a disabled endpoint and resets its failing-since clock. */
  async enable(id: string): Promise<Endpoint> {
    const now = new Date(this.#deps.now())
    const record = await this.#deps.storage.updateEndpoint(id, {
      disabledAt: null,
      disabledReason: null,
      failingSince: null,
      updatedAt: now,
    })
    if (!record) throw new NotFoundError('Endpoint', id)
    return toPublic(record)
  }

  /**
   * Replaces the signing secret. The old one keeps signing alongside the new one for `keepOldFor`
   * (default 24h), so receivers can switch without dropping a webhook.
   */
  async rotateSecret(id: string, options: { secret?: string; keepOldFor?: Duration } = {}): Promise<EndpointWithSecret> {
    const record = await this.#record(id)
    const now = this.#deps.now()
    const keepMs = toMilliseconds(options.keepOldFor ?? '24h', 'keepOldFor')
    const secret = options.secret ?? generateSecret()
    parseOrThrow(endpointInputSchema.shape.secret, secret, 'secret')
    const stillValid = record.secrets.filter((s) => s.expiresAt === null || s.expiresAt.getTime() > now)
    const old: EndpointSecret[] =
      keepMs === 0
        ? []
        : stillValid.map((s) => ({
            secret: s.secret,
            expiresAt: s.expiresAt ?? new Date(now + keepMs),
          }))
    const updated = await this.#deps.storage.updateEndpoint(id, {
      secrets: [{ secret, expiresAt: null }, ...old],
      updatedAt: new Date(now),
    })
    if (!updated) throw new NotFoundError('Endpoint', id)
    return { ...toPublic(updated), secret }
  }

  /**
   * Re-queues, due now, every delivery to the endpoint that was dead-lettered since `since` (a
   * `Date`, or a duration ago such as `'6h'`), in batches; their next attempts are recorded as
   * `manual`. Idempotent. Throws `ENDPOINT_DISABLED` for a disabled endpoint: enable it first.
   *
   * @example await relay.endpoints.recover(id, { since: '6h' }) // { matched: 412, changed: 412 }
   */
  recover(id: string, options: RecoverOptions): Promise<BulkResult> {
    return this.#operations().recover(id, options)
  }

  /**
   * Deliveries by status, attempts, success rate and p50/p95 latency over `window` (default
   * `'24h'`), circuit state, health, and the last failure.
   */
  stats(id: string, options: StatsOptions = {}): Promise<EndpointStats> {
    return this.#operations().stats(id, options)
  }

  /**
   * Disables now the endpoints that have failed without a success for longer than
   * `endpointHealth.disableAfter`; the workers do this every `endpointHealth.checkInterval`.
   */
  sweepHealth(): Promise<{ disabled: string[] }> {
    return this.#operations().sweepHealth()
  }

  #operations(): EndpointOperations {
    if (!this.#deps.operations) throw new RelayStateError('Endpoint operations are not wired; use createRelay().')
    return this.#deps.operations
  }

  async #record(id: string): Promise<EndpointRecord> {
    const record = await this.#deps.storage.getEndpoint(id)
    if (!record) throw new NotFoundError('Endpoint', id)
    return record
  }
}

export function toPublic(record: EndpointRecord): Endpoint {
  const { secrets: _secrets, headers, ...rest } = record
  const redacted = Object.fromEntries(Object.keys(headers).map((name) => [name, REDACTED]))
  return { ...rest, headers: redacted, disabled: record.disabledAt !== null }
}

function currentSecret(record: EndpointRecord): string {
  const current = record.secrets.find((s) => s.expiresAt === null) ?? record.secrets[0]
  return current?.secret ?? ''
}

function scheduleMs(retry: { schedule: Duration[] } | null | undefined): number[] | null {
  return retry ? retry.schedule.map((d, i) => toMilliseconds(d, `retry.schedule[${i}]`)) : null
}

function rateLimitMs(limit: { max: number; per: Duration } | null | undefined): EndpointRecord['rateLimit'] {
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
