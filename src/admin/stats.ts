import { toMilliseconds } from '../core/duration.js'
import { NotFoundError } from '../core/errors.js'
import type { AttemptSummary, CircuitStateProvider, EndpointStats, RelayStats, StatsOptions } from '../core/operations.js'
import type { AttemptWindowStats } from '../storage/operations.js'
import type { Storage } from '../storage/storage.js'

/** The window of statistics unless told otherwise. */
export const DEFAULT_STATS_WINDOW = '24h'

function windowOf(options: StatsOptions, now: number): { since: Date; until: Date } {
  const ms = toMilliseconds(options.window ?? DEFAULT_STATS_WINDOW, 'window')
  return { since: new Date(now - ms), until: new Date(now + 1) }
}

function summary(attempts: AttemptWindowStats): AttemptSummary {
  return {
    total: attempts.total,
    succeeded: attempts.succeeded,
    failed: attempts.failed,
    successRate: attempts.total === 0 ? null : attempts.succeeded / attempts.total,
    latency: { p50Ms: attempts.p50Ms, p95Ms: attempts.p95Ms },
  }
}

/** `relay.endpoints.stats(id)`: deliveries by status, attempts and latency over the window, circuit, last failure. */
export async function endpointStats(
  deps: { storage: Storage; now: () => number; circuitState: CircuitStateProvider },
  endpointId: string,
  options: StatsOptions = {},
): Promise<EndpointStats> {
  const endpoint = await deps.storage.getEndpoint(endpointId)
  if (!endpoint) throw new NotFoundError('Endpoint', endpointId)
  const window = windowOf(options, deps.now())
  const stats = await deps.storage.endpointStats(endpointId, window)
  return {
    endpointId,
    window: { since: window.since, until: new Date(window.until.getTime() - 1) },
    deliveries: stats.deliveries,
    attempts: summary(stats.attempts),
    circuit: await deps.circuitState(endpointId),
    disabled: endpoint.disabledAt !== null,
    disabledReason: endpoint.disabledReason,
    failingSince: endpoint.failingSince,
    lastFailure: stats.lastFailure,
  }
}

/** `relay.stats()`: the whole relay at a glance. */
export async function relayStats(deps: { storage: Storage; now: () => number }, options: StatsOptions = {}): Promise<RelayStats> {
  const now = deps.now()
  const window = windowOf(options, now)
  const stats = await deps.storage.relayStats(window, new Date(now))
  return {
    window: { since: window.since, until: new Date(window.until.getTime() - 1) },
    deliveries: stats.deliveries,
    inbound: stats.inbound,
    messages: stats.messages,
    attempts: summary(stats.attempts),
    endpoints: stats.endpoints,
    lagMs: stats.oldestDueAt === null ? 0 : Math.max(0, now - stats.oldestDueAt.getTime()),
  }
}
