import { OPERATIONAL_ENDPOINT_ID, OPERATIONAL_EVENT_FILTER, OPERATIONAL_TENANT } from '../core/operational.js'
import type { EndpointRecord } from '../core/types.js'
import type { Storage } from '../storage/storage.js'
import type { OperationalEventType, OperationalWebhookOptions } from './operational-webhook-options.js'
import type { SendEvent, SendResult } from './send.js'
import type { SsrfGuard } from './ssrf-guard.js'

export interface OperationalWebhookDeps {
  options: Required<OperationalWebhookOptions>
  storage: Storage
  guard: SsrfGuard
  now: () => number
  /** `send()` without the relay's state check: notifications may follow a change made while stopping. */
  send: (event: SendEvent) => Promise<SendResult>
  report: (error: unknown, context: string) => void
}

/**
 * Sends the relay's notifications about endpoints to the operational webhook: each is a message
 * of its own type (`endpoint.failing`, …) addressed to the system endpoint by id, so it is
 * signed, delivered, retried, dead-lettered and replayable like any other. The system endpoint is
 * created (or brought up to date with the options) before the first notification.
 */
export class OperationalWebhook {
  readonly #deps: OperationalWebhookDeps
  readonly #events: ReadonlySet<string>
  readonly #pending = new Set<Promise<void>>()
  #ready: Promise<void> | null = null

  constructor(deps: OperationalWebhookDeps) {
    this.#deps = deps
    this.#events = new Set(deps.options.events)
  }

  /** Called with every event the relay emits; sends the ones configured, about endpoints other than its own. */
  observe(name: string, payload: unknown): void {
    if (!this.#events.has(name) || typeof payload !== 'object' || payload === null) return
    if ((payload as { endpointId?: unknown }).endpointId === OPERATIONAL_ENDPOINT_ID) return
    const sent = this.#deliver(name as OperationalEventType, payload).finally(() => this.#pending.delete(sent))
    this.#pending.add(sent)
  }

  /** Resolves once every notification observed so far is written (or reported as failed). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending])
  }

  async #deliver(type: OperationalEventType, payload: object): Promise<void> {
    try {
      await (this.#ready ??= this.#ensureEndpoint().catch((error: unknown) => {
        this.#ready = null
        throw error
      }))
      await this.#deps.send({ type, data: payload, tenant: OPERATIONAL_TENANT, endpointIds: [OPERATIONAL_ENDPOINT_ID] })
    } catch (error) {
      this.#deps.report(error, `operationalWebhook ${type}`)
    }
  }

  async #ensureEndpoint(): Promise<void> {
    const { options, storage, guard } = this.#deps
    guard.assertUrlAllowed(new URL(options.url))
    const at = new Date(this.#deps.now())
    const existing = await storage.getEndpoint(OPERATIONAL_ENDPOINT_ID)
    if (!existing) {
      try {
        await storage.insertEndpoint(systemEndpoint(options, at))
        return
      } catch (error) {
        // Another process created it first: fall through and bring it up to date.
        if (!(await storage.getEndpoint(OPERATIONAL_ENDPOINT_ID))) throw error
      }
    }
    const current = existing ?? (await storage.getEndpoint(OPERATIONAL_ENDPOINT_ID))!
    if (current.url !== options.url || current.secrets[0]?.secret !== options.secret) {
      await storage.updateEndpoint(OPERATIONAL_ENDPOINT_ID, { url: options.url, secrets: [{ secret: options.secret, expiresAt: null }], updatedAt: at })
    }
  }
}

function systemEndpoint(options: Required<OperationalWebhookOptions>, at: Date): EndpointRecord {
  return {
    id: OPERATIONAL_ENDPOINT_ID,
    uid: null,
    tenant: OPERATIONAL_TENANT,
    url: options.url,
    description: 'hookrelay operational webhook (endpoint.failing, endpoint.disabled, endpoint.recovered)',
    eventTypes: [OPERATIONAL_EVENT_FILTER],
    channels: [],
    secrets: [{ secret: options.secret, expiresAt: null }],
    headers: {},
    metadata: {},
    retrySchedule: null,
    rateLimit: null,
    maxConcurrency: null,
    ordering: 'none',
    circuitBreaker: null,
    filter: null,
    disabledAt: null,
    disabledReason: null,
    failingSince: null,
    createdAt: at,
    updatedAt: at,
  }
}
