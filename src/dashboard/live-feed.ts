import { internalListener, toError } from '../core/emitter.js'
import type { RelayEventName, RelayEvents } from '../core/events.js'
import type { Relay } from '../relay.js'
import { decodeFleetFrame, type FleetFrame } from './fleet/fleet-frame.js'
import type { LiveChannel } from './fleet/live-channel.js'

/** What the live feed counts per frame. */
export type LiveCounter =
  | 'created'
  | 'succeeded'
  | 'failed'
  | 'deferred'
  | 'dead'
  | 'inboundAccepted'
  | 'inboundProcessed'
  | 'inboundFailed'
  | 'inboundDead'
  | 'inboundRejected'
  | 'errors'

/** One relay event as the feed shows it: its name, when it was seen, and its payload as plain JSON. */
export interface LiveEvent {
  name: RelayEventName
  at: number
  data: Record<string, string | number | boolean | null | string[]>
}

/** What the dashboard sends every interval: counts since the last frame, the latest events, circuit changes. */
export interface LiveFrame {
  at: number
  /** Milliseconds this frame covers. */
  intervalMs: number
  counts: Record<LiveCounter, number>
  /** The most recent events of the interval, oldest first (at most `liveEventsPerFrame`). */
  events: LiveEvent[]
  /** Events of the interval not listed (still counted). */
  dropped: number
  /** Circuit states that changed during the interval. */
  circuits: Record<string, 'open' | 'half_open' | 'closed'>
}

const COUNTER_OF: Partial<Record<RelayEventName, LiveCounter>> = {
  'message.created': 'created',
  'delivery.succeeded': 'succeeded',
  'delivery.failed': 'failed',
  'delivery.deferred': 'deferred',
  'delivery.dead': 'dead',
  'inbound.accepted': 'inboundAccepted',
  'inbound.processed': 'inboundProcessed',
  'inbound.failed': 'inboundFailed',
  'inbound.dead': 'inboundDead',
  'inbound.rejected': 'inboundRejected',
  error: 'errors',
}

const EVENT_NAMES: RelayEventName[] = [
  'message.created',
  'delivery.succeeded',
  'delivery.failed',
  'delivery.deferred',
  'delivery.dead',
  'endpoint.disabled',
  'circuit.opened',
  'circuit.half_open',
  'circuit.closed',
  'inbound.accepted',
  'inbound.duplicate',
  'inbound.rejected',
  'inbound.processed',
  'inbound.unhandled',
  'inbound.failed',
  'inbound.dead',
  'error',
]

const CIRCUIT_OF: Partial<Record<RelayEventName, 'open' | 'half_open' | 'closed'>> = {
  'circuit.opened': 'open',
  'circuit.half_open': 'half_open',
  'circuit.closed': 'closed',
}

function zeroCounts(): Record<LiveCounter, number> {
  return {
    created: 0,
    succeeded: 0,
    failed: 0,
    deferred: 0,
    dead: 0,
    inboundAccepted: 0,
    inboundProcessed: 0,
    inboundFailed: 0,
    inboundDead: 0,
    inboundRejected: 0,
    errors: 0,
  }
}

/** An event payload as plain JSON: dates as ISO strings, errors as their message, long strings cut. */
function plain(payload: unknown): LiveEvent['data'] {
  const data: LiveEvent['data'] = {}
  if (typeof payload !== 'object' || payload === null) return data
  for (const [key, value] of Object.entries(payload)) {
    if (value instanceof Date) data[key] = value.toISOString()
    else if (value instanceof Error) data[key] = value.message.slice(0, 500)
    else if (typeof value === 'string') data[key] = value.slice(0, 500)
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) data[key] = value
    else if (Array.isArray(value)) data[key] = value.slice(0, 20).map(String)
  }
  return data
}

/**
 * The relay's events, aggregated for viewers: one set of listeners however many dashboards are
 * open (and none while nobody watches), a frame per interval with counts and the latest
 * `maxEvents` events. Memory is bounded by `maxEvents` whatever the event rate, so a blast of
 * 20,000 deliveries costs a counter increment each.
 */
export class LiveFeed {
  readonly #relay: Relay
  readonly #intervalMs: number
  readonly #maxEvents: number
  readonly #viewers = new Set<(frame: LiveFrame) => void>()
  readonly #listeners = new Map<RelayEventName, (payload: unknown) => void>()
  #timer: ReturnType<typeof setInterval> | null = null
  #counts = zeroCounts()
  /** Kept events: remote ones already plain, local ones as their raw payload (made plain only if still kept at flush). */
  #events: (LiveEvent | { name: RelayEventName; at: number; payload: unknown })[] = []
  #dropped = 0
  #circuits: LiveFrame['circuits'] = {}
  #last = Date.now()
  readonly #remote: { channel: LiveChannel; origin: string } | undefined
  #remoteStop: Promise<(() => Promise<void>) | null> | null = null
  /** The latest known circuit state per endpoint, from the events this process saw. */
  readonly circuitStates = new Map<string, 'open' | 'half_open' | 'closed'>()

  /**
   * With `remote`, the feed also shows what other processes publish on the fleet's live channel
   * (workers elsewhere, see `startLivePublisher`), skipping what `origin` (this process) published.
   */
  constructor(relay: Relay, options: { intervalMs: number; maxEvents: number; remote?: { channel: LiveChannel; origin: string } | undefined }) {
    this.#relay = relay
    this.#intervalMs = options.intervalMs
    this.#maxEvents = options.maxEvents
    this.#remote = options.remote
    // Circuit states are cheap to follow always, so the overview knows them before anyone watched.
    for (const name of ['circuit.opened', 'circuit.half_open', 'circuit.closed'] as const) {
      relay.on(name, ({ endpointId }) => this.circuitStates.set(endpointId, CIRCUIT_OF[name]!))
    }
  }

  /** Number of viewers connected. */
  get viewers(): number {
    return this.#viewers.size
  }

  /** Calls `viewer` with every frame until the returned function is called. */
  subscribe(viewer: (frame: LiveFrame) => void): () => void {
    this.#viewers.add(viewer)
    if (this.#viewers.size === 1) this.#attach()
    return () => {
      if (this.#viewers.delete(viewer) && this.#viewers.size === 0) this.#detach()
    }
  }

  #attach(): void {
    this.#reset()
    for (const name of EVENT_NAMES) {
      const listener = internalListener((payload: unknown) => this.#record(name, payload))
      this.#listeners.set(name, listener)
      ;(this.#relay.on as (n: string, l: (p: unknown) => void) => unknown)(name, listener)
    }
    this.#timer = setInterval(() => this.#flush(), this.#intervalMs)
    this.#timer.unref?.()
    const remote = this.#remote
    if (remote) {
      this.#remoteStop = remote.channel
        .subscribe(
          (payload) => {
            const frame = decodeFleetFrame(payload)
            if (frame && frame.o !== remote.origin) this.#merge(frame)
          },
          (error) => this.#relay.emit('error', { error, context: 'dashboard.live.subscribe' }),
        )
        .catch((error: unknown) => {
          this.#relay.emit('error', { error: toError(error), context: 'dashboard.live.subscribe' })
          return null
        })
    }
  }

  /** Folds another process's frame into the current interval, within the same bounds as local events. */
  #merge(frame: FleetFrame): void {
    for (const [name, n] of Object.entries(frame.c)) {
      if (name in this.#counts && typeof n === 'number' && Number.isFinite(n)) this.#counts[name as LiveCounter] += n
    }
    for (const [endpointId, state] of Object.entries(frame.ci)) {
      this.#circuits[endpointId] = state
      this.circuitStates.set(endpointId, state)
    }
    this.#dropped += frame.d
    for (const event of frame.e) {
      this.#events.push(event)
      if (this.#events.length > this.#maxEvents) {
        this.#events.shift()
        this.#dropped++
      }
    }
  }

  #detach(): void {
    for (const [name, listener] of this.#listeners) (this.#relay.off as (n: string, l: (p: unknown) => void) => unknown)(name, listener)
    this.#listeners.clear()
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    const stop = this.#remoteStop
    this.#remoteStop = null
    void stop?.then((unsubscribe) => unsubscribe?.()).catch(() => undefined)
  }

  #record(name: RelayEventName, payload: unknown): void {
    const counter = COUNTER_OF[name]
    if (counter) this.#counts[counter]++
    const circuit = CIRCUIT_OF[name]
    if (circuit) this.#circuits[(payload as Parameters<RelayEvents['circuit.opened']>[0]).endpointId] = circuit
    // The payload is made plain JSON only for the events still listed at the flush: a blast costs a push each.
    this.#events.push({ name, at: Date.now(), payload })
    if (this.#events.length > this.#maxEvents) {
      this.#events.shift()
      this.#dropped++
    }
  }

  #reset(): void {
    this.#counts = zeroCounts()
    this.#events = []
    this.#dropped = 0
    this.#circuits = {}
    this.#last = Date.now()
  }

  #flush(): void {
    const now = Date.now()
    const frame: LiveFrame = {
      at: now,
      intervalMs: now - this.#last,
      counts: this.#counts,
      events: this.#events.map((e) => ('data' in e ? e : { name: e.name, at: e.at, data: plain(e.payload) })),
      dropped: this.#dropped,
      circuits: this.#circuits,
    }
    this.#reset()
    for (const viewer of this.#viewers) {
      try {
        viewer(frame)
      } catch {
        // A viewer whose connection broke is removed by its own close handler.
      }
    }
  }
}
