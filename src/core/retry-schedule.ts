import { matchesEventType } from './event-type.js'

/** Retry schedules in milliseconds by event type: exact types and `prefix.*` wildcards. */
export type SchedulesByType = Readonly<Record<string, readonly number[]>>

/** Where a schedule can come from; `null`/absent means "not set here". */
export interface ScheduleSources {
  /** The endpoint's schedules by type (`retry.byType` of the endpoint). */
  endpointByType?: SchedulesByType | null | undefined
  /** The endpoint's own schedule for every type (`retry.schedule` of the endpoint). */
  endpoint?: readonly number[] | null | undefined
  /** The relay's schedules by type (`createRelay({ retry: { byType } })`). */
  relayByType?: SchedulesByType | null | undefined
  /** The relay's schedule (`createRelay({ retry: { schedule } })`). */
  relay: readonly number[]
}

/**
 * The retry schedule of a message of `type` to an endpoint; pure. The most specific setting wins:
 * the endpoint's schedule for the type, then the endpoint's schedule, then the relay's schedule for
 * the type, then the relay's. Within a by-type map an exact type beats a wildcard, and a longer
 * wildcard beats a shorter one (`invoice.paid` > `invoice.*` > `*`).
 *
 * @example retryScheduleFor('invoice.paid', { relay: [5000], relayByType: { 'invoice.*': [60000] } }) // [60000]
 */
export function retryScheduleFor(type: string, sources: ScheduleSources): readonly number[] {
  return (
    scheduleByType(sources.endpointByType, type) ??
    sources.endpoint ??
    scheduleByType(sources.relayByType, type) ??
    sources.relay
  )
}

/** The schedule `byType` gives `type`, or `undefined` when no key matches it. */
export function scheduleByType(byType: SchedulesByType | null | undefined, type: string): readonly number[] | undefined {
  if (!byType) return undefined
  const exact = byType[type]
  if (exact) return exact
  let best: string | undefined
  for (const key of Object.keys(byType)) {
    if (key !== type && matchesEventType(type, [key]) && (best === undefined || key.length > best.length)) best = key
  }
  return best === undefined ? undefined : byType[best]
}
