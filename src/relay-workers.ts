import type { PurgeOptions, PurgeResult } from './core/operations.js'
import type { Emit } from './core/emitter.js'
import type { Inbound } from './inbound/inbound.js'
import { EndpointCircuits } from './outbound/circuit-breakers.js'
import { Dispatcher } from './outbound/dispatcher.js'
import { UndiciTransport } from './outbound/http-transport.js'
import type { SsrfGuard } from './outbound/ssrf-guard.js'
import type { QueueDriver } from './queue/queue-driver.js'
import type { StoredCircuits } from './queue/stored-circuits.js'
import { startHousekeeping } from './relay-operations.js'
import type { ResolvedRelayOptions } from './relay-options.js'
import type { Storage } from './storage/storage.js'
import type { Telemetry } from './telemetry/telemetry.js'

/** What a relay's workers need from it. */
export interface WorkerDeps {
  options: ResolvedRelayOptions
  storage: Storage
  queue: QueueDriver
  guard: SsrfGuard
  /** The driver's coordination, recording every circuit change in the database too. */
  circuitRecord: StoredCircuits
  inbound: Inbound
  telemetry: Telemetry | null
  emit: Emit
  sweepHealth: () => Promise<unknown>
  purge: (options: PurgeOptions) => Promise<PurgeResult>
}

/** The workers of one process, as `relay.start()` leaves them running. */
export interface Workers {
  /** This process's breakers (the fleet's state is in `circuitRecord`). */
  readonly circuits: EndpointCircuits
  /** Stops in the order that loses nothing: timers, attempts in flight, handler runs, then the HTTP pools. */
  stop(): Promise<void>
}

/**
 * Starts what delivers in this process: the HTTP pools, the breakers, the dispatcher (claim,
 * attempt, settle: `outbound/dispatcher.ts`), the queue driver's wake-ups, the inbound handler
 * runs and the housekeeping timers (health sweep, retention).
 */
export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const { options, storage, queue, emit } = deps
  const transport = new UndiciTransport({
    guard: deps.guard,
    maxResponseBodyBytes: options.delivery.maxResponseBodyBytes,
    connectionsPerOrigin: options.delivery.concurrency,
    connectTimeoutMs: options.delivery.timeoutMs,
    now: options.now,
  })
  const circuits = new EndpointCircuits({
    defaults: options.circuitBreaker,
    coordination: deps.circuitRecord,
    emit,
    probeTtlMs: options.delivery.timeoutMs + 5_000,
    now: options.now,
  })
  const dispatcher = new Dispatcher({ storage, queue, transport, circuits, options, emit, telemetry: deps.telemetry })
  await queue.start({ storage, onWake: () => dispatcher.wake(), emit, now: options.now })
  dispatcher.start()
  deps.inbound.start()
  const housekeeping = startHousekeeping({ options, sweepHealth: deps.sweepHealth, purge: deps.purge, emit })
  return {
    circuits,
    async stop() {
      await Promise.all(housekeeping.map((task) => task.stop()))
      await dispatcher.stop()
      await deps.inbound.stop()
      await transport.close()
    },
  }
}
