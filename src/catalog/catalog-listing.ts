import type { EventCatalog } from './define-events.js'
import { jsonSchemaOf } from './json-schema.js'

/** One event type as `relay.catalog()`, the admin API (`GET /catalog`), the CLI and the dashboard list it. */
export interface CatalogEntry {
  type: string
  description: string
  /** Example `data` payloads (the first is what `endpoints.sendTest` sends). */
  examples: unknown[]
  /** The JSON Schema (draft 2020-12) of the event's `data`; absent when the schema library cannot give one. */
  schema?: Record<string, unknown>
}

const listings = new WeakMap<EventCatalog, readonly CatalogEntry[]>()

/** The catalog's types with description, examples and JSON Schema, in definition order; computed once per catalog. */
export function listCatalog(catalog: EventCatalog | undefined): CatalogEntry[] {
  if (!catalog) return []
  let listing = listings.get(catalog)
  if (!listing) {
    listing = [...catalog.definitions].map(([type, definition]) => {
      const schema = jsonSchemaOf(definition.schema)
      return { type, description: definition.description, examples: [...definition.examples], ...(schema && { schema }) }
    })
    listings.set(catalog, listing)
  }
  return listing.map((entry) => ({ ...entry, examples: [...entry.examples] }))
}
