import { PayloadInvalidError, UnknownEventTypeError } from '../core/errors.js'
import { matchesEventType } from '../core/event-type.js'
import { closestType } from './closest-type.js'
import type { EventCatalog } from './define-events.js'
import { issuePath, type StandardResult } from './standard-schema.js'

/**
 * Validates `data` against the schema of `type` in the catalog; returns the schema's output (zod
 * defaults and transforms applied), synchronously when the schema is. Throws
 * `UNKNOWN_EVENT_TYPE` for a type the catalog lacks and `PAYLOAD_INVALID` with the schema's issues.
 * `what` names the event in messages (`'event'`, `'event [3]'`).
 */
export function validateEventData(catalog: EventCatalog, type: string, data: unknown, what: string): unknown {
  const definition = catalog.definitions.get(type)
  if (!definition) throw unknownEventType(catalog, type, what, ['type'])
  const result = definition.schema['~standard'].validate(data)
  return result instanceof Promise ? result.then((settled) => outcome(type, settled, what)) : outcome(type, result, what)
}

function outcome(type: string, result: StandardResult<unknown>, what: string): unknown {
  if (!result.issues) return result.value
  const issues = result.issues.map((issue) => ({ path: ['data', ...issuePath(issue)], message: issue.message }))
  const lines = issues.map((i) => `  - ${i.path.map(String).join('.')}: ${i.message}`)
  throw new PayloadInvalidError(
    type,
    `Invalid ${what}: its data does not match the schema of ${JSON.stringify(type)} in the event catalog:\n${lines.join('\n')}`,
    issues,
  )
}

/** The error for a type the catalog does not define, naming the closest one it does. */
export function unknownEventType(catalog: EventCatalog, type: string, what: string, path: readonly PropertyKey[]): UnknownEventTypeError {
  const known = catalog.types
  const suggestion = closestType(type, known)
  const hint = suggestion
    ? ` Did you mean ${JSON.stringify(suggestion)}?`
    : known.length === 0
      ? ' The catalog defines no types.'
      : ` Known types: ${known.slice(0, 12).join(', ')}${known.length > 12 ? `, … (${known.length} in all)` : ''}.`
  return new UnknownEventTypeError(
    type,
    suggestion,
    `Unknown event type ${JSON.stringify(type)} in ${what}: the event catalog (defineEvents) does not define it.${hint}`,
    [{ path, message: suggestion ? `unknown event type; did you mean ${suggestion}?` : 'unknown event type' }],
  )
}

/**
 * Checks event-type filters (an endpoint's `eventTypes`, the keys of a retry schedule by type)
 * against the catalog: an exact type must be defined, a `prefix.*` wildcard must match one, `*`
 * always passes.
 */
export function assertKnownFilters(catalog: EventCatalog, filters: readonly string[], what: string, path: readonly PropertyKey[]): void {
  filters.forEach((filter, index) => {
    if (filter === '*') return
    if (filter.endsWith('.*') ? catalog.types.some((type) => matchesEventType(type, [filter])) : catalog.has(filter)) return
    throw unknownEventType(catalog, filter, what, [...path, index])
  })
}
