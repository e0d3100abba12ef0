/**
 * The types of payload filters: a small JSON syntax in the spirit of Convoy's (and MongoDB's),
 * written by users on an endpoint and evaluated at fan-out against the message payload
 * `{ type, timestamp, data }`. See docs/endpoints.md for the syntax and its semantics.
 */

/** A value a filter compares with. */
export type FilterScalar = string | number | boolean | null

/** The operators a path can be tested with; several on one path must all hold. */
export interface FilterOperators {
  /** Some value at the path equals this (same JSON type). */
  $eq?: FilterScalar
  /** No value at the path equals this (true when the path is missing). */
  $ne?: FilterScalar
  /** Some value at the path is greater than this: numbers with numbers, strings with strings (by code point). */
  $gt?: number | string
  $gte?: number | string
  $lt?: number | string
  $lte?: number | string
  /** Some value at the path equals one of these. */
  $in?: FilterScalar[]
  /** No value at the path equals any of these (true when the path is missing). */
  $nin?: FilterScalar[]
  /** The path is present (even as `null`), or absent with `false`. */
  $exists?: boolean
}

/**
 * A payload filter: every entry must hold. A key is a dot-separated path into the payload
 * (`'data.customer.country'`); its value is a scalar to equal, an object of operators, or a
 * nested filter (`{ data: { customer: { country: 'FR' } } }` is the same as the dotted path).
 * `$or` and `$and` take lists of filters. Arrays on the way match if any element matches.
 *
 * @example { 'data.amount': { $gte: 100 }, $or: [{ 'data.country': 'FR' }, { 'data.vip': true }] }
 */
export interface PayloadFilter {
  $or?: PayloadFilter[]
  $and?: PayloadFilter[]
  [path: string]: FilterScalar | FilterOperators | PayloadFilter | PayloadFilter[] | undefined
}

/** A comparison operator, without its `$`. */
export type FilterOperator = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'exists'

/** A filter once checked: the tree both evaluators (JavaScript and Postgres jsonpath) read. */
export type FilterNode =
  | { readonly kind: 'and'; readonly nodes: readonly FilterNode[] }
  | { readonly kind: 'or'; readonly nodes: readonly FilterNode[] }
  | { readonly kind: 'test'; readonly path: readonly string[]; readonly op: 'eq' | 'ne'; readonly value: FilterScalar }
  | {
      readonly kind: 'test'
      readonly path: readonly string[]
      readonly op: 'gt' | 'gte' | 'lt' | 'lte'
      readonly value: number | string
    }
  | { readonly kind: 'test'; readonly path: readonly string[]; readonly op: 'in' | 'nin'; readonly value: readonly FilterScalar[] }
  | { readonly kind: 'test'; readonly path: readonly string[]; readonly op: 'exists'; readonly value: boolean }

/** A problem in a filter, with where it is (`['data', 'amount', '$gtt']`). */
export interface FilterIssue {
  readonly path: readonly (string | number)[]
  readonly message: string
}
