import type { FilterNode, FilterScalar } from './payload-filter.js'

/**
 * The filter as a Postgres jsonpath (lax mode) that matches exactly when `matchesFilter` does:
 * `jsonb_path_exists(payload::jsonb, path)`. Postgres routes with it inside the one fan-out
 * statement, so a filter costs no round trip there. Every test is an `exists(…)`, which is true
 * or false (never unknown), so negations and `||`/`&&` are plain boolean logic.
 */
export function filterToJsonPath(node: FilterNode): string {
  return `$ ? (${predicate(node)})`
}

function predicate(node: FilterNode): string {
  switch (node.kind) {
    case 'and':
      return node.nodes.length === 0 ? 'exists(@)' : node.nodes.map((n) => `(${predicate(n)})`).join(' && ')
    case 'or':
      return node.nodes.map((n) => `(${predicate(n)})`).join(' || ')
    case 'test': {
      const path = '@' + node.path.map((key) => `.${JSON.stringify(key)}`).join('')
      switch (node.op) {
        case 'exists':
          return node.value ? `exists(${path})` : `!(exists(${path}))`
        case 'eq':
          return `exists(${path} ? (@ == ${literal(node.value)}))`
        case 'ne':
          return `!(exists(${path} ? (@ == ${literal(node.value)})))`
        case 'in':
          return `exists(${path} ? (${node.value.map((v) => `@ == ${literal(v)}`).join(' || ')}))`
        case 'nin':
          return `!(exists(${path} ? (${node.value.map((v) => `@ == ${literal(v)}`).join(' || ')})))`
        default: {
          const symbol = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[node.op]
          return `exists(${path} ? (@ ${symbol} ${literal(node.value)}))`
        }
      }
    }
  }
}

/** A JSON scalar as a jsonpath literal: strings and keys share JSON's escapes. */
function literal(value: FilterScalar): string {
  if (typeof value === 'number') {
    // jsonpath has no exponent sign '+' in some versions: write numbers out in full.
    return Number.isInteger(value) && Math.abs(value) < 1e21 ? BigInt(value).toString() : numberLiteral(value)
  }
  return JSON.stringify(value)
}

function numberLiteral(value: number): string {
  const text = String(value)
  if (!text.includes('e')) return text
  const [mantissa, exponent] = text.split('e') as [string, string]
  return `${mantissa}e${exponent.replace('+', '')}`
}
