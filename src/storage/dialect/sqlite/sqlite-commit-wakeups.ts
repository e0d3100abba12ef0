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
 * their next poll. `afterOutboxWrite()` watches the connection — the only one hookrelay and the
 * caller share — until it is out of the transaction, then wakes the listeners: on commit the
 * deliveries are there, on rollback the wake finds nothing, which costs one empty claim.
 *
 * In-process only: other processes on the same file still poll.
 */
export class SqliteCommitWakeups implements StorageWakeups {
  readonly #database: TransactionState
  readonly #listeners = new Set<() => void>()
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

  /** Deliveries were written in the caller's open transaction: wake the listeners once it ends. */
  afterOutboxWrite(): void {
    if (this.#watching || this.#listeners.size === 0) return
    this.#watching = true
    const started = Date.now()
    let checks = 0
    let delay = 1
    const check = () => {
      checks++
      const open = this.#database.inTransaction
      if (open === true && Date.now() - started < GIVE_UP_AFTER_MS) {
        if (checks < IMMEDIATE_CHECKS) setImmediate(check)
        else {
          setTimeout(check, delay).unref()
          delay = Math.min(delay * 2, MAX_DELAY_MS)
        }
        return
      }
      this.#watching = false
      // Without `inTransaction` (not better-sqlite3) the commit cannot be seen: wake now and
      // once more a little later, when it has most likely happened.
      if (open === undefined && checks === 1) setTimeout(() => this.#wake(), MAX_DELAY_MS).unref()
      this.#wake()
    }
    setImmediate(check)
  }

  #wake(): void {
    for (const listener of this.#listeners) listener()
  }
}
