import type { StorageWakeups } from '../../storage.js'

/** What the watcher reads of a better-sqlite3 `Database`: whether a transaction is open on it. */
export interface TransactionState {
  readonly inTransaction?: unknown
}

/** Checks on the next turns of the event loop first (a commit usually follows within microseconds)… */
const IMMEDIATE_CHECKS = 4
/** …then with backoff from 1 ms up to this, for a caller whose transaction stays open longer. */
const MAX_DELAY_MS = 50
/** A transaction open longer than this is left to the workers' poll. */
const GIVE_UP_AFTER_MS = 10 * 60_000

/**
 * Wake-ups for outbox sends on SQLite. A `send()` inside the caller's transaction writes
 * deliveries whose commit hookrelay does not see (SQLite has no NOTIFY, and the caller's Kysely
 * commits after `send()` resolved), so without help the workers of this process find them only at
 * their next poll. `afterOutboxWrite()` watches the connection the caller wrote on (hookrelay's
 * own, or the caller's better-sqlite3 Database on the same file) until it is out of the transaction, then wakes the listeners: on commit the
 * deliveries are there, on rollback the wake finds nothing, which costs one empty claim.
 *
 * In-process only: other processes on the same file still poll.
 */
export class SqliteCommitWakeups implements StorageWakeups {
  readonly #database: TransactionState
  readonly #listeners = new Set<() => void>()
  /** Connections with an outbox write in a transaction not seen ending yet. */
  readonly #watched = new Set<TransactionState>()
  #watching = false

  constructor(database: TransactionState) {
    this.#database = database
  }

  async listen(onWake: () => void): Promise<() => Promise<void>> {
    const listener = () => onWake()
    this.#listeners.add(listener)
    return async () => {
      this.#listeners.delete(listener)
    }
  }

  /**
   * Deliveries were written in a caller's open transaction on `connection` (hookrelay's own by
   * default): wake the listeners once it ends. A connection that cannot tell (no
   * `inTransaction`) is taken as ended at the next turn of the event loop, with one more wake a
   * little later.
   */
  afterOutboxWrite(connection: TransactionState = this.#database): void {
    if (this.#listeners.size === 0) return
    this.#watched.add(connection)
    if (this.#watching) return
    this.#watching = true
    const started = Date.now()
    let checks = 0
    let delay = 1
    const check = () => {
      checks++
      let ended = false
      let unknown = false
      for (const state of this.#watched) {
        const open = state.inTransaction
        if (open === true) continue
        this.#watched.delete(state)
        ended = true
        if (open === undefined) unknown = true
      }
      if (ended) this.#wake()
      // Without `inTransaction` (not better-sqlite3) the commit cannot be seen: once more a little later.
      if (unknown) setTimeout(() => this.#wake(), MAX_DELAY_MS).unref()
      if (this.#watched.size > 0 && Date.now() - started < GIVE_UP_AFTER_MS) {
        if (checks < IMMEDIATE_CHECKS) setImmediate(check)
        else {
          setTimeout(check, delay).unref()
          delay = Math.min(delay * 2, MAX_DELAY_MS)
        }
        return
      }
      if (this.#watched.size > 0) {
        // Open too long: left to the workers' poll, after one look.
        this.#watched.clear()
        this.#wake()
      }
      this.#watching = false
    }
    setImmediate(check)
  }

  #wake(): void {
    for (const listener of this.#listeners) listener()
  }
}
