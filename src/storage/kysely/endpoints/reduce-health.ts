import type { EndpointHealthUpdate } from '../../storage.js'

/** What a batch of health updates leaves on each endpoint: at most one write per endpoint and kind. */
export interface ReducedHealth {
  /** The batch ended in a success: `failing_since` becomes null. */
  readonly clear: readonly string[]
  /** Only failures: `failing_since` is set to the first one's time, unless it is already set. */
  readonly start: readonly { readonly endpointId: string; readonly at: number }[]
  /** Failures after the batch's last success: `failing_since` is that success's next failure, whatever it was. */
  readonly restart: readonly { readonly endpointId: string; readonly at: number }[]
  /** The first disable of each endpoint (it only takes effect on an endpoint not disabled yet). */
  readonly disable: readonly { readonly endpointId: string; readonly reason: string; readonly at: number }[]
}

/**
 * Folds a settle batch's health updates into the state they leave, as if applied one by one in
 * order (success clears `failing_since`, failure sets it if unset, disable sets the reason once):
 * per endpoint, the last success decides, and only the first failure after it counts. Applied one
 * by one, a batch of mixed answers (20 % failing) made a statement per alternation inside the
 * settle transaction, holding the endpoint's row lock across each round trip; now it is at most
 * one statement per kind and endpoint, and one for all the endpoints whose streak ended.
 */
export function reduceHealth(updates: readonly EndpointHealthUpdate[]): ReducedHealth {
  const streaks = new Map<string, { lastSuccess: number; firstFailureAfter: number | undefined; firstFailure: number | undefined }>()
  const disable = new Map<string, { endpointId: string; reason: string; at: number }>()
  updates.forEach((update, index) => {
    if (update.kind === 'disable') {
      if (!disable.has(update.endpointId)) disable.set(update.endpointId, { endpointId: update.endpointId, reason: update.reason, at: update.at.getTime() })
      return
    }
    let streak = streaks.get(update.endpointId)
    if (!streak) streaks.set(update.endpointId, (streak = { lastSuccess: -1, firstFailureAfter: undefined, firstFailure: undefined }))
    if (update.kind === 'success') {
      streak.lastSuccess = index
      streak.firstFailureAfter = undefined
    } else {
      const at = update.at.getTime()
      streak.firstFailure ??= at
      streak.firstFailureAfter ??= at
    }
  })
  const clear: string[] = []
  const start: { endpointId: string; at: number }[] = []
  const restart: { endpointId: string; at: number }[] = []
  for (const [endpointId, streak] of streaks) {
    if (streak.lastSuccess < 0) start.push({ endpointId, at: streak.firstFailure! })
    else if (streak.firstFailureAfter === undefined) clear.push(endpointId)
    else restart.push({ endpointId, at: streak.firstFailureAfter })
  }
  return { clear, start, restart, disable: [...disable.values()] }
}
