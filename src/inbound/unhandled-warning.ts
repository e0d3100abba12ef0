import type { InboundUnhandledEvent } from '../core/events.js'

/**
 * The warning logged, once per receiver and type, for a webhook no handler matched when nobody
 * listens to `inbound.unhandled`: names the receiver, the type, the types it does handle, and the
 * likeliest typo among them.
 */
export function unhandledWarning(event: InboundUnhandledEvent): string {
  const handled = event.handledTypes
  const guess = closest(event.type, handled)
  return (
    `hookrelay: receiver ${JSON.stringify(event.source)} got a ${JSON.stringify(event.type)} webhook and no handler matched it, ` +
    `so nothing ran; it is stored as 'unhandled' (${event.id}). ` +
    (handled.length === 0 ? 'The receiver has no handlers. ' : `Handled types: ${handled.map((t) => JSON.stringify(t)).join(', ')}. `) +
    (guess !== undefined ? `Did you mean receiver.on(${JSON.stringify(event.type)}) instead of on(${JSON.stringify(guess)})? ` : '') +
    `Add the handler, then replay with relay.inbound.replayMany({ status: 'unhandled', type: ${JSON.stringify(event.type)} }). ` +
    "Further ones of this type are not logged; listen to the relay's 'inbound.unhandled' event to handle them yourself, or pass logger: false."
  )
}

/** The handled type within edit distance 2 of `type` (a typo), if there is one. */
function closest(type: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined
  for (const name of candidates) {
    if (name === '*') continue
    const distance = editDistance(type, name, 2)
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance }
  }
  return best?.name
}

/** Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
      current.push(value)
      rowMin = Math.min(rowMin, value)
    }
    if (rowMin > limit) return limit + 1
    previous = current
  }
  return previous[b.length] ?? limit + 1
}
