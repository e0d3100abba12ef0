import type { OperatorQueries } from '../storage/storage.js'

/** The payload of `endpoint.failing`. */
export interface FailingNotice {
  endpointId: string
  tenant: string | null
  /** The share of `endpointHealth.disableAfter` reached, in percent (one of `endpointHealth.notifyAt`). */
  percent: number
  /** When the endpoint started failing without a success since. */
  failingSince: Date
  /** When the health check disables it if nothing succeeds before. */
  disableAt: Date
}

/** The highest of `percents` that `elapsed` reached, or undefined. Pure. */
export function crossedShare(elapsedMs: number, disableAfterMs: number, percents: readonly number[]): number | undefined {
  let crossed: number | undefined
  for (const percent of percents) if (elapsedMs >= (disableAfterMs * percent) / 100 && (crossed === undefined || percent > crossed)) crossed = percent
  return crossed
}

/**
 * One pass of owner notifications: for each endpoint failing now, the highest share of the
 * threshold it crossed is announced once per episode (a failing episode is one `failingSince`
 * value; a success clears it, the next failure starts another); for each announced episode that
 * ended, `endpoint.recovered`. Shares skipped between two sweeps are not announced one by one:
 * the highest crossed is. Each announcement is a conditional write, so with many processes
 * sweeping only one announces.
 */
export async function announceFailingShares(
  deps: {
    storage: OperatorQueries
    disableAfterMs: number
    notifyAtPercent: readonly number[]
    onFailing: (notice: FailingNotice) => void
    onRecovered: (endpointId: string) => void
  },
  now: number,
): Promise<void> {
  const { notices } = deps.storage
  for (const endpoint of await notices.listFailing()) {
    const { notifiedSince, failingSince } = endpoint
    if (notifiedSince !== null && (failingSince === null || failingSince.getTime() !== notifiedSince.getTime())) {
      if (await notices.recordRecovered(endpoint.id, notifiedSince)) deps.onRecovered(endpoint.id)
    }
    if (failingSince === null || endpoint.disabled) continue
    const percent = crossedShare(now - failingSince.getTime(), deps.disableAfterMs, deps.notifyAtPercent)
    if (percent === undefined) continue
    const already = endpoint.notifiedSince?.getTime() === failingSince.getTime() ? endpoint.notifiedPercent : null
    if (already !== null && already >= percent) continue
    if (await notices.recordFailing(endpoint.id, failingSince, percent)) {
      deps.onFailing({
        endpointId: endpoint.id,
        tenant: endpoint.tenant,
        percent,
        failingSince,
        disableAt: new Date(failingSince.getTime() + deps.disableAfterMs),
      })
    }
  }
}
