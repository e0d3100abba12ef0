import { matchesChannels, matchesEventType } from '../../core/event-type.js'
import { LazyDocument, type CompiledFilters } from '../../core/filters/compiled-filters.js'
import type { FilterMatcher } from '../../core/filters/evaluate-filter.js'

/**
 * Fan-out done in process, for the databases that route in JavaScript (SQLite, MySQL; Postgres
 * routes inside its one insert statement): which of a tenant's enabled endpoints a message goes to.
 */
export interface RoutableEndpoint {
  id: string
  eventTypes: string[]
  channels: string[]
  /** The payload filter, compiled; null routes every message. */
  filter: FilterMatcher | null
}

/** Rows of `select id, event_types, channels, filter from endpoints`, as routing needs them. */
export function routableEndpoints(rows: readonly Record<string, unknown>[], filters: CompiledFilters): RoutableEndpoint[] {
  return rows.map((row) => ({
    id: String(row.id),
    eventTypes: JSON.parse(String(row.event_types)) as string[],
    channels: JSON.parse(String(row.channels)) as string[],
    filter: row.filter === null || row.filter === undefined ? null : filters.get(String(row.filter)),
  }))
}

/** The ids of `endpoints` the message matches by type, channels and payload filter, in their order. */
export function routeMessage(
  message: { type: string; channels: readonly string[]; payload: string },
  endpoints: readonly RoutableEndpoint[],
): string[] {
  // The payload is parsed at most once, and only if a filtered endpoint is reached.
  const document = new LazyDocument(message.payload)
  return endpoints
    .filter(
      (e) =>
        matchesEventType(message.type, e.eventTypes) &&
        matchesChannels(e.channels, message.channels) &&
        (e.filter === null || document.matches(e.filter)),
    )
    .map((e) => e.id)
}
