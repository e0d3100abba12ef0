/**
 * A hook around every better-sqlite3 statement this process runs (`run`, `all`, `get`, `iterate`,
 * on the prototype all statements share), for the profiling scripts: `around` gets the method,
 * the statement's text, its parameters and a function that runs it, and returns what it returns.
 */
import { createRequire } from 'node:module'

export type StatementMethod = 'run' | 'all' | 'get' | 'iterate'
export type Around = (method: StatementMethod, source: string, params: unknown[], run: () => unknown) => unknown

export function aroundStatements(around: Around): void {
  const Database = createRequire(import.meta.url)('better-sqlite3')
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('select 1'))
  for (const method of ['run', 'all', 'get', 'iterate'] as const) {
    const original = proto[method]
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      return around(method, this.source, args[0] as unknown[], () => original.apply(this, args))
    }
  }
}
