import { matchesChannels, matchesEventType } from '../../core/event-type.js'
import { LazyDocument, type CompiledFilters } from '../../core/filters/compiled-filters.js'
import type { FilterMatcher } from '../../core/filters/evaluate-filter.js'
import { deliveryIdOf } from '../../core/ids.js'
import type { OutgoingMessage, StoredMessage } from '../storage.js'

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

/** What `storeMessages` writes after its message inserts, planned in process (see `planFanOut`). */
export interface FanOutPlan {
  /** One per item: new ones with their deliveries; duplicates as placeholders, filled in by the caller. */
  results: StoredMessage[]
  /** Delivery rows to insert: id, message id, endpoint id, then created, next attempt and updated times. */
  deliveryRows: [string, string, string, number, number, number][]
  /** Items whose message was not inserted (an idempotency key seen before): their index and scope. */
  duplicates: { index: number; scope: string }[]
}

/** The tenants whose routable endpoints `planFanOut` needs, in first-use order. */
export function tenantsToRoute(items: readonly OutgoingMessage[], inserted: ReadonlySet<string>): (string | null)[] {
  const tenants = new Set<string | null>()
  for (const { message, endpointIds } of items) if (inserted.has(message.id) && !endpointIds) tenants.add(message.tenant)
  return [...tenants]
}

/**
 * Each inserted message's deliveries (to `endpointIds`, or to the routable endpoints of its tenant
 * it matches), named after the message (`deliveryIdOf`); the others are duplicates.
 */
export function planFanOut(
  items: readonly OutgoingMessage[],
  inserted: ReadonlySet<string>,
  routable: ReadonlyMap<string | null, readonly RoutableEndpoint[]>,
): FanOutPlan {
  const plan: FanOutPlan = { results: [], deliveryRows: [], duplicates: [] }
  for (const [index, { message, idempotencyScope, endpointIds }] of items.entries()) {
    if (!inserted.has(message.id)) {
      plan.duplicates.push({ index, scope: idempotencyScope! })
      plan.results.push({ duplicate: true, messageId: '', deliveryIds: [] }) // filled in by the caller
      continue
    }
    const targets = endpointIds ? [...endpointIds].sort() : routeMessage(message, routable.get(message.tenant) ?? [])
    const at = message.createdAt.getTime()
    const deliveries = targets.map((endpointId, i) => ({ id: deliveryIdOf(message.id, i + 1), endpointId }))
    for (const d of deliveries) plan.deliveryRows.push([d.id, message.id, d.endpointId, at, at, at])
    plan.results.push({ duplicate: false, deliveries })
  }
  return plan
}
