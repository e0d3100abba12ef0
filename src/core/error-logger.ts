import type { RelayErrorEvent } from './events.js'

/**
 * Where hookrelay reports errors nobody listens to: `console`, a pino or winston logger, or any
 * object with an `error` method. Called as `error(message, error)`, which each of those prints
 * sensibly (pino keeps the message; console and winston print the stack as well).
 */
export interface RelayLogger {
  error(message: string, ...details: unknown[]): void
  /** Used for warnings (a webhook no handler matched) when present; else `error`. */
  warn?(message: string, ...details: unknown[]): void
}

// Warnings are keyed by what they are about (a receiver and an event type); senders control the
// types, so the set of keys warned about is bounded.
const MAX_WARNED = 1_000

// One line per context per minute: a database that is down fails every poll, and a log that
// repeats the same line ten times a second hides everything else.
const QUIET_MS = 60_000

/**
 * Speaks for the `error` event when the application does not listen to it. eventemitter3 does not
 * throw on an unheard `error` as Node's emitter does, so without this a missing table or a database
 * that is down would fail silently. Rate-limited per context; says how many it held back.
 */
export class ErrorLogger {
  readonly #logger: RelayLogger | null
  readonly #now: () => number
  readonly #lastLogged = new Map<string, { at: number; held: number }>()
  readonly #warned = new Set<string>()

  constructor(logger: RelayLogger | false | undefined, now: () => number) {
    this.#logger = logger === false ? null : (logger ?? console)
    this.#now = now
  }

  /** Reports `event` unless the same context was reported less than a minute ago. */
  log(event: RelayErrorEvent): void {
    if (this.#logger === null) return
    const at = this.#now()
    const last = this.#lastLogged.get(event.context)
    if (last !== undefined && at - last.at < QUIET_MS) {
      last.held += 1
      return
    }
    const held = last?.held ?? 0
    this.#lastLogged.set(event.context, { at, held: 0 })
    const code = (event.error as { code?: unknown }).code
    const message =
      `hookrelay: ${event.context}: ${typeof code === 'string' ? `[${code}] ` : ''}${event.error.message}` +
      (held > 0 ? ` (${held} more in ${event.context} since the last report)` : '') +
      " — listen to the relay's 'error' event to handle these yourself, or pass logger: false."
    try {
      this.#logger.error(message, event.error)
    } catch {
      // A logger that throws has nowhere left to report to.
    }
  }

  /**
   * Warns `message` the first time `key` is seen (per relay), never again: a warning that repeats
   * for every webhook of a type would drown the log. Returns whether it spoke.
   */
  warnOnce(key: string, message: string): boolean {
    if (this.#logger === null || this.#warned.has(key) || this.#warned.size >= MAX_WARNED) return false
    this.#warned.add(key)
    try {
      if (typeof this.#logger.warn === 'function') this.#logger.warn(message)
      else this.#logger.error(message)
    } catch {
      // A logger that throws has nowhere left to report to.
    }
    return true
  }
}
