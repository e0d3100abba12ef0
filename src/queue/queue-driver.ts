import type { Emit } from '../core/emitter.js'
import type { RateLimit } from '../core/types.js'
import type { ClaimedDelivery, ClaimOptions, Storage } from '../storage/storage.js'

/** A delivery that is (or will be) due at `dueAt`. */
export interface DueWork {
  deliveryId: string
  dueAt: Date
}

/** What a driver gets from the relay when it starts. */
export interface QueueContext {
  storage: Storage
  /** Wake this process's idle workers: new work may be due. */
  onWake: () => void
  emit: Emit
  now: () => number
}

/**
 * The QueueDriver port: how workers learn about due work and claim it. The storage is always
 * the source of truth: a driver may hand out work faster (Redis) or wake workers sooner
 * (Postgres NOTIFY, Redis pub/sub), but anything it loses is found again by polling the storage.
 */
export interface QueueDriver {
  /** A short name for diagnostics, e.g. `'storage-polling'`. */
  readonly name: string
  /** Shared circuit-breaker and rate-limit state; in-process unless the driver spans processes. */
  readonly coordination: FleetCoordination
  /**
   * The storage this driver serves, given by `createRelay()` before any `notify()`: a producer that
   * never starts workers still enqueues, and a driver may need the storage for that (the Redis
   * driver namespaces its keys by the database's identity) or for shared state.
   */
  attach?(storage: Storage): void
  /** Starts listening. Called once, by `relay.start()` when workers run. */
  start(context: QueueContext): Promise<void>
  /** Work became due after a commit (`send()`, replay): tell workers here and, if possible, elsewhere. */
  notify(work?: readonly DueWork[]): void
  /** Deliveries that settlements put off to a later time (retries, deferrals), after the commit. */
  rescheduled(work: readonly DueWork[]): void
  /** Claims due deliveries for `options.owner` under a lease. Must never lose work it cannot hand out. */
  claim(options: ClaimOptions): Promise<ClaimedDelivery[]>
  /** Stops listening and releases what `start` opened (not a client the user handed in). */
  stop(): Promise<void>
  /**
   * A broadcast between the processes of the fleet, where the driver spans processes (Redis):
   * worker processes publish what they did on it for dashboards in other processes.
   */
  liveChannel?(): FleetBroadcast
}

/** Short text messages every subscribed process receives (Postgres NOTIFY, Redis PUBLISH). */
export interface FleetBroadcast {
  publish(payload: string): Promise<void>
  /** Calls `onMessage` with every payload published by any process; resolves with the stop function. */
  subscribe(onMessage: (payload: string) => void, onError: (error: Error) => void): Promise<() => Promise<void>>
}

/** The circuit states other processes are told about. */
export type SharedCircuitState = 'open' | 'closed'

/**
 * State that must agree across processes for limits to hold fleet-wide. The default keeps it in
 * this process; `redisQueue()` shares it through Redis.
 */
export interface FleetCoordination {
  /**
   * Counts one request against the endpoint's rate limit. Refused requests get the time the
   * next one may go, and are deferred (not failed) until then.
   */
  takeRateLimit(endpointId: string, limit: RateLimit, now: number): Promise<{ allowed: true } | { allowed: false; retryAt: number }>
  /**
   * Tells other processes that this process opened or closed an endpoint's circuit. `now` is the
   * relay's time (its `now` option), the clock `until` is on.
   */
  publishCircuit(endpointId: string, state: SharedCircuitState, until: number | null, now: number): void
  /** Listens to other processes' circuit changes; returns the unsubscribe function. */
  onCircuit(listener: (endpointId: string, state: SharedCircuitState, until: number | null) => void): () => void
  /**
   * The one half-open probe for an endpoint, fleet-wide: true for the single caller that may probe.
   * The lock lives `ttlMs` from `now` (the relay's time).
   */
  tryAcquireProbe(endpointId: string, ttlMs: number, now: number): Promise<boolean>
  /**
   * An endpoint's circuit as another process left it open (`until`: when it may go half-open), for
   * a process that meets the endpoint for the first time; `null` when nobody holds it open.
   */
  readCircuit(endpointId: string): Promise<{ state: 'open'; until: number } | null>
}
