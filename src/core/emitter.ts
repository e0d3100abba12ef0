import type { RelayEvents } from './events.js'

/** How inner layers emit relay events without depending on the Relay class. */
export type Emit = <K extends keyof RelayEvents>(name: K, ...args: Parameters<RelayEvents[K]>) => void

/**
 * Marks a listener hookrelay itself adds (the dashboard's live feed, the fleet publisher), so that
 * "does anybody listen?" checks (the default logger for `error`, the warning for
 * `inbound.unhandled`) count only the application's listeners.
 */
export const INTERNAL_LISTENER = Symbol.for('hookrelay.internalListener')

/** `listener`, marked as hookrelay's own (see {@link INTERNAL_LISTENER}). */
export function internalListener<F extends (...args: never[]) => unknown>(listener: F): F {
  Object.defineProperty(listener, INTERNAL_LISTENER, { value: true })
  return listener
}

/** The listeners in `listeners` that the application added. */
export function applicationListenerCount(listeners: readonly unknown[]): number {
  return listeners.filter((l) => !(typeof l === 'function' && INTERNAL_LISTENER in l)).length
}

/** `value` as an Error: what was thrown is not always one. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

/** Reports a failure of hookrelay's own work as an `error` event with its `context`. */
export function reporter(emit: Emit): (error: unknown, context: string) => void {
  return (error, context) => emit('error', { error: toError(error), context })
}
