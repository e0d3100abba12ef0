import type { RateLimit } from '../core/types.js'
import { LocalCoordination } from './local-coordination.js'
import type { FleetCoordination, SharedCircuitState } from './queue-driver.js'
import { PUBLISH_CIRCUIT, TAKE_SLIDING_WINDOW, type RedisConnectionLike } from './redis-client.js'
import type { RateLimitDecision } from './sliding-window.js'

/** What the coordination borrows from its queue: the command connection and the error reporter. */
export interface RedisLink {
  /** This driver instance's id; messages carrying it are its own. */
  readonly instanceId: string
  /** The command connection when it is usable right now, else `null` (then limits hold per process). */
  commands(): RedisConnectionLike | null
  /** The command connection, waiting up to the command timeout for it to connect; `null` if it does not. */
  ready(): Promise<RedisConnectionLike | null>
  key(name: string): string
  report(error: unknown, context: string): void
}

// How long an open circuit's stored state outlives its half-open time when no probe closes it.
const OPEN_STATE_GRACE_MS = 10 * 60_000

/** A circuit's shared open state as stored in Redis. */
export interface SharedCircuit {
  state: 'open'
  /** When the circuit may go half-open (epoch ms); past it, the fleet's circuit is half-open. */
  until: number
}

interface CircuitMessage {
  p: string
  e: string
  s: SharedCircuitState
  u: number | null
}

type CircuitListener = (endpointId: string, state: SharedCircuitState, until: number | null) => void

/**
 * Circuit and rate-limit state shared through Redis, so that limits hold fleet-wide:
 * - rate limits: a sliding-window log per endpoint in one Lua script (`TAKE_SLIDING_WINDOW`), so
 *   that no window of the limit's length holds more than its `max` across the whole fleet;
 * - circuits: changes are published to every process, and an open circuit is also stored until it
 *   may go half-open, so a process that starts later reads it with `readCircuit()`;
 * - the half-open probe: `SET NX PX`, true for one caller fleet-wide.
 * While Redis cannot be reached it falls back to this process's own state (`LocalCoordination`):
 * limits then hold per process, and nothing waits for Redis.
 */
export class RedisCoordination implements FleetCoordination {
  readonly #link: RedisLink
  readonly #local = new LocalCoordination()
  readonly #listeners = new Set<CircuitListener>()
  /** Makes each admission's member in the shared log unique. */
  #taken = 0

  constructor(link: RedisLink) {
    this.#link = link
  }

  /** The channel circuit changes are published on. */
  get channel(): string {
    return this.#link.key('circuit')
  }

  async takeRateLimit(endpointId: string, limit: RateLimit, now: number): Promise<RateLimitDecision> {
    const redis = this.#link.commands()
    if (!redis) return this.#local.takeRateLimit(endpointId, limit, now)
    try {
      const member = `${this.#link.instanceId}:${++this.#taken}`
      const keys = [this.#link.key(`rate:${endpointId}`), this.#link.key(`rate-waiting:${endpointId}`)]
      const perMs = Math.max(1, Math.ceil(limit.perMs))
      const reply = await TAKE_SLIDING_WINDOW.run(redis, keys, [Math.floor(now), limit.max, perMs, member, limit.max * 10])
      const [admitted, retryAt] = Array.isArray(reply) ? reply.map(Number) : [Number.NaN, Number.NaN]
      if (admitted === 1) return { allowed: true }
      if (admitted === 0 && Number.isFinite(retryAt)) return { allowed: false, retryAt: retryAt! }
      throw new Error(`Unexpected reply of the rate-limit script: ${JSON.stringify(reply)}`)
    } catch (error) {
      this.#link.report(error, 'queue.redis.rateLimit')
      return this.#local.takeRateLimit(endpointId, limit, now)
    }
  }

  publishCircuit(endpointId: string, state: SharedCircuitState, until: number | null, now: number): void {
    const redis = this.#link.commands()
    if (!redis) return
    const message: CircuitMessage = { p: this.#link.instanceId, e: endpointId, s: state, u: until }
    // Kept past `until`: a process that meets the endpoint after that time finds the circuit
    // half-open (one probe), not closed, until a probe closes it (which deletes the key).
    const ttl = state === 'open' && until !== null ? Math.max(1, Math.ceil(until - now)) + OPEN_STATE_GRACE_MS : 0
    PUBLISH_CIRCUIT.run(redis, [this.#circuitKey(endpointId)], [this.channel, JSON.stringify(message), ttl]).catch((error: unknown) =>
      this.#link.report(error, 'queue.redis.circuit'),
    )
  }

  onCircuit(listener: CircuitListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  async tryAcquireProbe(endpointId: string, ttlMs: number, now: number): Promise<boolean> {
    const redis = this.#link.commands()
    if (!redis) return this.#local.tryAcquireProbe(endpointId, ttlMs, now)
    try {
      const reply = await redis.call('SET', this.#link.key(`probe:${endpointId}`), this.#link.instanceId, 'NX', 'PX', Math.max(1, Math.ceil(ttlMs)))
      return reply === 'OK'
    } catch (error) {
      this.#link.report(error, 'queue.redis.probe')
      return this.#local.tryAcquireProbe(endpointId, ttlMs, now)
    }
  }

  /**
   * The open state another process stored for `endpointId`, or `null` (closed, expired, or Redis
   * unreachable): lets a process that starts while a circuit is open honour it at once.
   */
  async readCircuit(endpointId: string): Promise<SharedCircuit | null> {
    // Asked once per endpoint by a process meeting it first, often right after starting: wait
    // for the connection (bounded) rather than miss a circuit the fleet holds open.
    const redis = await this.#link.ready()
    if (!redis) return null
    try {
      const raw = await redis.call('GET', this.#circuitKey(endpointId))
      if (typeof raw !== 'string') return null
      const message = JSON.parse(raw) as CircuitMessage
      return message.s === 'open' && message.u !== null ? { state: 'open', until: message.u } : null
    } catch (error) {
      this.#link.report(error, 'queue.redis.circuit')
      return null
    }
  }

  /** A message on the circuit channel: tell the listeners, unless this instance sent it. */
  receive(raw: string): void {
    let message: CircuitMessage
    try {
      message = JSON.parse(raw) as CircuitMessage
    } catch {
      return
    }
    if (message.p === this.#link.instanceId || typeof message.e !== 'string') return
    if (message.s !== 'open' && message.s !== 'closed') return
    for (const listener of this.#listeners) {
      try {
        listener(message.e, message.s, message.u ?? null)
      } catch (error) {
        this.#link.report(error, 'queue.redis.circuit listener')
      }
    }
  }

  #circuitKey(endpointId: string): string {
    return this.#link.key(`circuit:${endpointId}`)
  }
}
