import type { FilterIssue, FilterNode, FilterOperator, FilterScalar } from './payload-filter.js'

/** Bounds that keep a filter cheap to store and to evaluate on every message. */
export const FILTER_LIMITS = Object.freeze({ maxJsonLength: 8192, maxDepth: 16, maxListLength: 256, maxPathSegments: 16 })

const OPERATORS: ReadonlySet<string> = new Set<FilterOperator>(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'exists'])
const OPERATOR_LIST = [...OPERATORS].map((op) => `$${op}`).join(', ')

type Issues = FilterIssue[]
type Where = readonly (string | number)[]

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isScalar(value: unknown): value is FilterScalar {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
}

/**
 * Checks a filter as a user wrote it and turns it into a `FilterNode`, or lists every problem
 * with its path (`filter.data.amount.$gtt: unknown operator …`). Pure; used by the endpoint
 * schema (create/update) and when a stored filter is compiled.
 */
export function parseFilter(input: unknown): { node: FilterNode; issues: readonly [] } | { node: undefined; issues: readonly FilterIssue[] } {
  const issues: Issues = []
  if (!isPlainObject(input)) {
    return { node: undefined, issues: [{ path: [], message: 'must be an object such as { "data.amount": { "$gte": 100 } }' }] }
  }
  let json: string
  try {
    json = JSON.stringify(input)
  } catch {
    return { node: undefined, issues: [{ path: [], message: 'must be plain JSON' }] }
  }
  if (json.length > FILTER_LIMITS.maxJsonLength) {
    return { node: undefined, issues: [{ path: [], message: `is ${json.length} characters as JSON, over the limit of ${FILTER_LIMITS.maxJsonLength}` }] }
  }
  const node = parseObject(input, [], [], 0, issues)
  return issues.length === 0 ? { node, issues: [] } : { node: undefined, issues }
}

/** A filter object: its entries are ANDed. `prefix` is the payload path a nested object sits at. */
function parseObject(object: Record<string, unknown>, prefix: readonly string[], where: Where, depth: number, issues: Issues): FilterNode {
  if (depth > FILTER_LIMITS.maxDepth) {
    issues.push({ path: where, message: `nests deeper than ${FILTER_LIMITS.maxDepth} levels` })
    return { kind: 'and', nodes: [] }
  }
  const nodes: FilterNode[] = []
  for (const [key, value] of Object.entries(object)) {
    const at = [...where, key]
    if (key === '$or' || key === '$and') {
      if (!Array.isArray(value) || value.length === 0 || value.length > FILTER_LIMITS.maxListLength) {
        issues.push({ path: at, message: `must be a non-empty list (at most ${FILTER_LIMITS.maxListLength}) of filters` })
        continue
      }
      const branches = value.map((branch, i) => {
        if (isPlainObject(branch)) return parseObject(branch, prefix, [...at, i], depth + 1, issues)
        issues.push({ path: [...at, i], message: 'must be a filter object' })
        return { kind: 'and', nodes: [] } satisfies FilterNode
      })
      nodes.push({ kind: key === '$or' ? 'or' : 'and', nodes: branches })
      continue
    }
    if (key.startsWith('$')) {
      issues.push({ path: at, message: `unknown operator ${key} here: use $or or $and, or a path with operators (${OPERATOR_LIST})` })
      continue
    }
    const segments = key.split('.')
    if (segments.some((s) => s === '')) {
      issues.push({ path: at, message: 'is not a valid path: segments are separated by single dots, e.g. "data.customer.id"' })
      continue
    }
    const path = [...prefix, ...segments]
    if (path.length > FILTER_LIMITS.maxPathSegments) {
      issues.push({ path: at, message: `is a path of more than ${FILTER_LIMITS.maxPathSegments} segments` })
      continue
    }
    nodes.push(...parseValue(value, path, at, depth, issues))
  }
  return nodes.length === 1 ? nodes[0]! : { kind: 'and', nodes }
}

/** The value of a path: a scalar (equality), an object of operators, or a nested filter. */
function parseValue(value: unknown, path: readonly string[], where: Where, depth: number, issues: Issues): FilterNode[] {
  if (isScalar(value)) return [{ kind: 'test', path, op: 'eq', value }]
  if (Array.isArray(value)) {
    issues.push({ path: where, message: 'cannot equal a list: use { "$in": [...] } to match any of several values' })
    return []
  }
  if (!isPlainObject(value)) {
    issues.push({ path: where, message: 'must be a string, a finite number, a boolean, null, or an object of operators' })
    return []
  }
  const keys = Object.keys(value)
  // `$or`/`$and` in a nested object combine filters below its path, like any nested entry.
  const operators = keys.filter((k) => k.startsWith('$') && k !== '$or' && k !== '$and')
  if (operators.length === 0) return [parseObject(value, path, where, depth + 1, issues)]
  if (operators.length !== keys.length) {
    issues.push({ path: where, message: 'mixes operators and nested paths: put the nested paths in their own entries' })
    return []
  }
  return operators.flatMap((key) => parseOperator(key, value[key], path, [...where, key], issues))
}

function parseOperator(key: string, operand: unknown, path: readonly string[], where: Where, issues: Issues): FilterNode[] {
  const op = key.slice(1)
  if (!OPERATORS.has(op)) {
    issues.push({ path: where, message: `unknown operator ${key}: use one of ${OPERATOR_LIST}` })
    return []
  }
  switch (op as FilterOperator) {
    case 'eq':
    case 'ne':
      if (isScalar(operand)) return [{ kind: 'test', path, op: op as 'eq' | 'ne', value: operand }]
      issues.push({ path: where, message: 'must be a string, a finite number, a boolean or null' })
      return []
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof operand === 'string' || (typeof operand === 'number' && Number.isFinite(operand))) {
        return [{ kind: 'test', path, op: op as 'gt' | 'gte' | 'lt' | 'lte', value: operand }]
      }
      issues.push({ path: where, message: 'must be a finite number or a string (strings compare by code point, e.g. ISO dates)' })
      return []
    case 'in':
    case 'nin':
      if (Array.isArray(operand) && operand.length > 0 && operand.length <= FILTER_LIMITS.maxListLength && operand.every(isScalar)) {
        return [{ kind: 'test', path, op: op as 'in' | 'nin', value: operand }]
      }
      issues.push({ path: where, message: `must be a non-empty list (at most ${FILTER_LIMITS.maxListLength}) of strings, numbers, booleans or null` })
      return []
    case 'exists':
      if (typeof operand === 'boolean') return [{ kind: 'test', path, op: 'exists', value: operand }]
      issues.push({ path: where, message: 'must be true or false' })
      return []
  }
}
