import type { Kysely } from 'kysely'
import { ValidationError } from '../../core/errors.js'
import type { HookrelayDatabase } from '../schema/database.js'
import type { ClaimOptions, Page } from '../storage.js'

export const DEFAULT_PAGE_LIMIT = 50
export const MAX_PAGE_LIMIT = 1000
/** Rows per multi-row statement: keeps bound parameters far below SQLite's and Postgres' limits. */
export const ROWS_PER_STATEMENT = 500
export const IDS_PER_STATEMENT = 1000

export type Db = Kysely<HookrelayDatabase>

export function isKyselyExecutor(value: unknown): value is Kysely<any> {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Record<string, unknown>
  return (
    typeof candidate.withoutPlugins === 'function' &&
    typeof candidate.withPlugin === 'function' &&
    typeof candidate.withSchema === 'function' &&
    typeof candidate.selectFrom === 'function' &&
    typeof candidate.getExecutor === 'function'
  )
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}; got ${String(limit)}.`, [
      { path: ['limit'], message: `must be an integer from 1 to ${MAX_PAGE_LIMIT}` },
    ])
  }
  return limit
}

export function toPage<R extends { id: string }, T>(rows: readonly R[], limit: number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit
  const pageRows = more ? rows.slice(0, limit) : rows
  return { data: pageRows.map(map), nextCursor: more ? pageRows[pageRows.length - 1]!.id : null }
}

export function checkClaimOptions(options: ClaimOptions): void {
  if (!Number.isInteger(options.limit) || options.limit < 1) {
    throw new ValidationError(`claim limit must be a positive integer; got ${String(options.limit)}.`)
  }
  if (!Number.isFinite(options.leaseMs) || options.leaseMs <= 0) {
    throw new ValidationError(`claim leaseMs must be a positive number of milliseconds; got ${String(options.leaseMs)}.`)
  }
}

/** The inbound idempotency key, unambiguous whatever characters the parts contain. */
export function inboundKey(message: { source: string; webhookId: string }): string {
  return `${message.source.length}:${message.source}${message.webhookId}`
}

export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)]
}

export function* chunks<T>(values: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < values.length; i += size) yield values.slice(i, i + size)
}

export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

export function without<T>(values: readonly T[], excluded: T): T[] {
  return values.filter((v) => v !== excluded)
}

/** The SQL text for a batch of `rows` rows, built once per size and kept in `texts`. */
export function cached(texts: Map<number, string>, rows: number, build: () => string): string {
  let text = texts.get(rows)
  if (text === undefined) {
    text = build()
    texts.set(rows, text)
  }
  return text
}
