import type { Kysely } from 'kysely'

/** The rows of one statement, by column name. */
export type Rows = Record<string, unknown>[]

/** The databases a caller's handle can be on. */
export type HandleDatabase = 'postgres' | 'sqlite' | 'mysql'

/**
 * The caller's open transaction as hookrelay writes in it, whatever handle it came as (a `pg`
 * client, a better-sqlite3 database, a Drizzle or Knex transaction). One adapter per kind of
 * handle builds it; the message stores write through it.
 */
export interface OutboxConnection {
  /** Runs one statement in the caller's transaction and resolves to its rows (none for a write without RETURNING). */
  execute(text: string, params: readonly unknown[]): Promise<Rows>
  /**
   * SQLite handles that write synchronously (better-sqlite3 underneath): runs one statement at
   * once. This lets `send()` write inside `db.transaction(fn)`, whose `fn` cannot await.
   */
  readonly runSync?: (text: string, params: readonly unknown[]) => Rows
  /**
   * Where SQLite can see whether the caller's transaction is still open (better-sqlite3's
   * `inTransaction`): the workers of this process are woken once it is not.
   */
  readonly transactionState?: { readonly inTransaction?: unknown }
}

/** What `send()` writes on: a Kysely for the storage's queries, and the connection under it when it is not a Kysely of the caller's. */
export interface OutboxTarget {
  readonly db: Kysely<any>
  readonly connection?: OutboxConnection
}

/** A handle one adapter recognised: what it is, which database it is on, and how to write in it. */
export interface RecognisedHandle {
  /** The handle in the caller's words, for error messages: `'a pg client'`, `'a Knex transaction'`. */
  readonly name: string
  /** The database it is on; `undefined` when the handle does not say (then the storage's is assumed). */
  readonly database: HandleDatabase | undefined
  /**
   * Checks that a transaction is open on it (else throws `OutboxTransactionError`) and gives what
   * to write on. Synchronous wherever the handle allows, so a synchronous SQLite transaction
   * function sees the writes before `send()` returns.
   */
  open(): OutboxTarget | Promise<OutboxTarget>
}

/** Where a thing of any type is a function, typed, without a cast. */
export function hasFunction<K extends string>(value: unknown, key: K): value is Record<K, (...args: never[]) => unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as Record<K, unknown>)[key] === 'function'
}

/** `'a pg client'` → `'A pg client'`, to start a sentence. */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
