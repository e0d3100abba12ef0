import type { FilterNode, FilterScalar } from './payload-filter.js'

/** A compiled filter: whether a parsed payload matches it. */
export type FilterMatcher = (document: unknown) => boolean

/**
 * Does `document` (the parsed payload) match the filter? The semantics are those of Postgres'
 * jsonpath in lax mode, which evaluates the same filters in SQL (see `filterToJsonPath`), so that
 * every storage routes alike:
 * - a path step into an array steps into each of its elements (one level: arrays nested directly
 *   in arrays are skipped), and a missing key yields nothing;
 * - a comparison holds when some value at the path, or some element of it (two levels of
 *   arrays), compares true; values of another JSON type never compare true;
 * - `$ne`, `$nin` and `$exists: false` are the negations of `$eq`, `$in` and `$exists: true`.
 *
 * Compiles the filter on each call: on a hot path, compile once with `compileMatcher`.
 */
export function matchesFilter(node: FilterNode, document: unknown): boolean {
  return compileMatcher(node)(document)
}

/** The filter as a function of the payload: the tree is walked once, here, not per message. */
export function compileMatcher(node: FilterNode): FilterMatcher {
  switch (node.kind) {
    case 'and': {
      const parts = node.nodes.map(compileMatcher)
      return (document) => {
        for (const part of parts) if (!part(document)) return false
        return true
      }
    }
    case 'or': {
      const parts = node.nodes.map(compileMatcher)
      return (document) => {
        for (const part of parts) if (part(document)) return true
        return false
      }
    }
    case 'test': {
      const path = node.path
      switch (node.op) {
        case 'exists': {
          const wanted = node.value
          return (document) => (valuesAt(document, path).length > 0) === wanted
        }
        case 'eq':
        case 'ne': {
          const wanted = node.value
          const test = (value: unknown) => equals(value, wanted)
          return node.op === 'eq' ? (document) => someAt(document, path, test) : (document) => !someAt(document, path, test)
        }
        case 'in':
        case 'nin': {
          const wanted = node.value
          const test = (value: unknown) => wanted.some((w) => equals(value, w))
          return node.op === 'in' ? (document) => someAt(document, path, test) : (document) => !someAt(document, path, test)
        }
        default: {
          const { op, value: bound } = node
          const test = (value: unknown) => {
            const order = compare(value, bound)
            if (order === undefined) return false
            return op === 'gt' ? order > 0 : op === 'gte' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0
          }
          return (document) => someAt(document, path, test)
        }
      }
    }
  }
}

/**
 * Whether `test` holds for some value at `path`: walks plain objects without allocating, and
 * falls back to collecting values when an array is met on the way.
 */
function someAt(document: unknown, path: readonly string[], test: (value: unknown) => boolean): boolean {
  let value = document
  for (const key of path) {
    if (!isObject(value)) return Array.isArray(value) ? someCompared(valuesAt(document, path), test) : false
    if (!Object.hasOwn(value, key)) return false
    value = value[key]
  }
  return someCompared([value], test)
}

/** The values a path yields, stepping into the elements of arrays met on the way (one level). */
function valuesAt(document: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [document]
  for (const key of path) {
    const next: unknown[] = []
    for (const value of current) {
      if (Array.isArray(value)) {
        for (const element of value) if (isObject(element) && Object.hasOwn(element, key)) next.push(element[key])
      } else if (isObject(value) && Object.hasOwn(value, key)) {
        next.push(value[key])
      }
    }
    if (next.length === 0) return next
    current = next
  }
  return current
}

/** Whether `test` holds for some value, some element of it, or some element of those (lax unwrapping). */
function someCompared(values: readonly unknown[], test: (value: unknown) => boolean): boolean {
  for (const value of values) {
    if (!Array.isArray(value)) {
      if (test(value)) return true
      continue
    }
    for (const element of value) {
      if (Array.isArray(element) ? element.some((inner) => !Array.isArray(inner) && test(inner)) : test(element)) return true
    }
  }
  return false
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function equals(value: unknown, wanted: FilterScalar): boolean {
  if (wanted === null) return value === null
  return typeof value === typeof wanted && value === wanted
}

/** -1, 0 or 1 for two numbers or two strings (by code point, as Postgres compares UTF-8); else undefined. */
function compare(value: unknown, bound: number | string): number | undefined {
  if (typeof bound === 'number') return typeof value === 'number' ? Math.sign(value - bound) : undefined
  if (typeof value !== 'string') return undefined
  return compareCodePoints(value, bound)
}

function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0
  // UTF-16 order differs from code point order only around surrogates: compare by code point then.
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(j)!
    if (x !== y) return x < y ? -1 : 1
    i += x > 0xffff ? 2 : 1
    j += y > 0xffff ? 2 : 1
  }
  return i < a.length ? 1 : j < b.length ? -1 : 0
}
