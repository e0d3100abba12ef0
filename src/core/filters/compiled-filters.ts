import { compileMatcher, type FilterMatcher } from './evaluate-filter.js'
import { parseFilter } from './parse-filter.js'

/** Entries kept before the oldest are dropped: far more than the endpoints a relay routes to. */
const MAX_ENTRIES = 10_000

/**
 * Filters compiled once: keyed by their stored JSON text, so an unchanged endpoint costs a map
 * lookup per routing read, an updated filter compiles anew, and endpoints sharing a filter share
 * its compiled form. (Keying by endpoint id and `updated_at` would reuse a stale filter after two
 * updates within one millisecond.) Storages that route in JavaScript (SQLite, MySQL) hold one.
 */
export class CompiledFilters {
  readonly #matchers = new Map<string, FilterMatcher>()

  /** The compiled form of a stored filter. */
  get(json: string): FilterMatcher {
    const cached = this.#matchers.get(json)
    if (cached) return cached
    const parsed = parseFilter(JSON.parse(json) as unknown)
    // A stored filter was checked when it was written; one that no longer parses matches nothing
    // rather than everything, so a broken row never widens what an endpoint receives.
    const matcher = compileMatcher(parsed.node ?? { kind: 'or', nodes: [] })
    if (this.#matchers.size >= MAX_ENTRIES) this.#matchers.delete(this.#matchers.keys().next().value!)
    this.#matchers.set(json, matcher)
    return matcher
  }
}

/** Parses a payload at most once, and only when some endpoint's filter asks for it. */
export class LazyDocument {
  readonly #payload: string
  #document: unknown
  #parsed = false

  constructor(payload: string) {
    this.#payload = payload
  }

  matches(matcher: FilterMatcher): boolean {
    if (!this.#parsed) {
      this.#document = JSON.parse(this.#payload) as unknown
      this.#parsed = true
    }
    return matcher(this.#document)
  }
}
