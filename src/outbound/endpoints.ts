import type { EventCatalog } from '../catalog/define-events.js'
import { assertKnownFilters } from '../catalog/validate-payload.js'
import { toMilliseconds, type Duration } from '../core/duration.js'
import { NotFoundError, RelayStateError } from '../core/errors.js'
import type { BulkResult, EndpointStats, RecoverOptions, StatsOptions } from '../core/operations.js'
import type { EndpointRecord } from '../core/types.js'
import { parseOrThrow } from '../core/validation.js'
import { generateSecret } from '../signing/index.js'
import type { EndpointFilter, Page, EndpointStore } from '../storage/storage.js'
import {
  endpointInputSchema,
  endpointUpdateSchema,
  endpointUpsertSchema,
  type EndpointInput,
  type EndpointRetryInput,
  type EndpointUpdate,
} from './endpoint-input.js'
import { changedFields } from './endpoint-changes.js'
import { keepRedactedHeaders, namingAfterUpdate, newEndpointRecord, rotatedSecrets } from './endpoint-records.js'
import {
  circuitSettings,
  currentSecret,
  rateLimitMs,
  REDACTED,
  retryMs,
  toPublic,
  type CreatedEndpoint,
  type Endpoint,
  type EndpointWithSecret,
  type UidLookupOptions,
  type UpsertedEndpoint,
} from './endpoint-views.js'
import type { SendTestOptions, SendTestResult } from './send-test.js'
import type { SsrfGuard } from './ssrf-guard.js'

export { circuitSettings, REDACTED, toPublic } from './endpoint-views.js'
export type { CreatedEndpoint, Endpoint, EndpointWithSecret, UidLookupOptions, UpsertedEndpoint } from './endpoint-views.js'

export interface EndpointsDeps {
  storage: EndpointStore
  guard: SsrfGuard
  now: () => number
  /** Called after an endpoint was disabled (for the `endpoint.disabled` event). */
  onDisabled: (endpointId: string, reason: string) => void
  /** Recovery, statistics and health, implemented by the admin layer and wired by the relay. */
  operations?: EndpointOperations | undefined
  /** The event catalog: `eventTypes` and retry types must be in it. */
  catalog?: EventCatalog | undefined
  /** Sends a test message to the endpoint (wired by the relay to its sender). */
  sendTest?: ((endpoint: EndpointRecord, options: SendTestOptions) => Promise<SendTestResult>) | undefined
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

  /**
   * Creates an endpoint; the result includes its signing secret (generated unless given). With a
   * `uid` its tenant already has, returns that endpoint (and its secret) unchanged, with
   * `created: false`: concurrent calls with one uid make one endpoint. `upsert` applies changes.
   *
   * @example
   * const ep = await relay.endpoints.create({ uid: 'customer-42', url })  // same endpoint every run
   */
  async create(input: EndpointInput): Promise<CreatedEndpoint> {
    const parsed = parseOrThrow(endpointInputSchema, input, 'endpoint')
    this.#checkTypes(parsed, 'endpoint')
    this.#deps.guard.assertUrlAllowed(new URL(parsed.url))
    const now = new Date(this.#deps.now())
    const secret = parsed.secret ?? generateSecret()
    const record = newEndpointRecord(parsed, secret, now)
    if (record.uid !== null) {
      const result = await this.#deps.storage.insertEndpointOnce(record)
      if (!result.inserted) return { ...toPublic(result.existing), secret: currentSecret(result.existing), created: false }
    } else {
      await this.#deps.storage.insertEndpoint(record)
    }
    return { ...toPublic(record), secret, created: true }
  }

  /**
   * Creates the endpoint named by `uid` in its tenant, or brings the existing one in line with
   * `input`: the fields given that differ are updated (`updated: true`), the others are left as
   * they are. A different `secret` replaces the current one, which keeps signing for 24 hours as
   * with `rotateSecret`; `disabled` disables or enables it.
   *
   * @example
   * await relay.endpoints.upsert({ uid: 'customer-42', url, eventTypes: ['order.*'] })
   */
  async upsert(input: EndpointInput & { uid: string }): Promise<UpsertedEndpoint> {
    const parsed = parseOrThrow(endpointUpsertSchema, input, 'endpoint')
    const first = await this.create(input)
    if (first.created) return { ...first, updated: false }
    const existing = await this.#record(first.id)
    const patch = changedFields(existing, parsed)
    let updated = Object.keys(patch).length > 0
    let endpoint: Endpoint = updated ? await this.update(first.id, patch) : toPublic(existing)
    let secret = currentSecret(existing)
    if (parsed.secret !== undefined && parsed.secret !== secret) {
      ;({ secret, ...endpoint } = await this.rotateSecret(first.id, { secret: parsed.secret }))
      updated = true
    }
    if (parsed.disabled !== undefined && parsed.disabled !== endpoint.disabled) {
      endpoint = parsed.disabled ? await this.disable(first.id, 'disabled by upsert') : await this.enable(first.id)
      updated = true
    }
    return { ...endpoint, secret, created: false, updated }
  }

  /**
   * The endpoint, without its secret, by its id or, failing that, by its uid in `options.tenant`
   * (default: no tenant). Throws `NotFoundError` if neither finds one.
   * @example await relay.endpoints.get('customer-42', { tenant: 'acme' })
   */
  async get(idOrUid: string, options: UidLookupOptions = {}): Promise<Endpoint> {
    const record = (await this.#deps.storage.getEndpoint(idOrUid)) ?? (await this.#deps.storage.getEndpointByUid(idOrUid, options.tenant ?? null))
    if (!record) throw new NotFoundError('Endpoint', idOrUid)
    return toPublic(record)
  }

  /** The endpoint with this uid in `options.tenant` (default: no tenant); throws `NotFoundError` if none. */
  async getByUid(uid: string, options: UidLookupOptions = {}): Promise<Endpoint> {
    const record = await this.#deps.storage.getEndpointByUid(uid, options.tenant ?? null)
    if (!record) throw new NotFoundError('Endpoint', uid)
    return toPublic(record)
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
    this.#checkTypes(parsed, 'endpoint update')
    if (parsed.url) this.#deps.guard.assertUrlAllowed(new URL(parsed.url))
    // A header sent back as it was read (REDACTED) keeps its stored value.
    if (parsed.headers && Object.values(parsed.headers).includes(REDACTED)) {
      parsed.headers = keepRedactedHeaders(parsed.headers, (await this.#record(id)).headers)
    }
    const { retry, rateLimit, circuitBreaker, ...rest } = parsed
    const naming = rest.tenant !== undefined || rest.uid !== undefined ? await namingAfterUpdate(this.#deps.storage, await this.#record(id), rest.tenant, rest.uid) : {}
    const record = await this.#deps.storage.updateEndpoint(id, {
      ...rest,
      ...naming,
      ...(retry !== undefined && retryMs(retry)),
      ...(rateLimit !== undefined && { rateLimit: rateLimitMs(rateLimit) }),
      ...(circuitBreaker !== undefined && { circuitBreaker: circuitSettings(circuitBreaker) }),
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
  async rotateSecret(id: string, options: { secret?: string | undefined; keepOldFor?: Duration | undefined } = {}): Promise<EndpointWithSecret> {
    const record = await this.#record(id)
    const now = this.#deps.now()
    const keepMs = toMilliseconds(options.keepOldFor ?? '24h', 'keepOldFor')
    const secret = options.secret ?? generateSecret()
    parseOrThrow(endpointInputSchema.shape.secret, secret, 'secret')
    const updated = await this.#deps.storage.updateEndpoint(id, {
      secrets: rotatedSecrets(record.secrets, secret, now, keepMs),
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

  /**
   * Sends a test message to this endpoint only, through the normal engine: the catalog's first
   * example of `type`, or `payload`, or (with neither) a `webhook.test` ping. Its body carries
   * `"test": true`. Resolves with the message id once it is queued.
   *
   * @example const { messageId } = await relay.endpoints.sendTest(id, { type: 'order.created' })
   */
  async sendTest(id: string, options: SendTestOptions = {}): Promise<SendTestResult> {
    if (!this.#deps.sendTest) throw new RelayStateError('sendTest is not wired; use createRelay().')
    return this.#deps.sendTest(await this.#record(id), options)
  }

  /** With a catalog, the endpoint's event types and retry types must be in it. */
  #checkTypes(parsed: { eventTypes?: string[] | undefined; retry?: EndpointRetryInput | null | undefined }, what: string): void {
    const { catalog } = this.#deps
    if (!catalog) return
    if (parsed.eventTypes) assertKnownFilters(catalog, parsed.eventTypes, what, ['eventTypes'])
    if (parsed.retry?.byType) assertKnownFilters(catalog, Object.keys(parsed.retry.byType), what, ['retry', 'byType'])
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
