import type { EventEmitter } from 'eventemitter3'
import { type Emit, applicationListenerCount, toError } from './core/emitter.js'
import type { ErrorLogger } from './core/error-logger.js'
import type { InboundUnhandledEvent, RelayErrorEvent, RelayEvents } from './core/events.js'
import { unhandledWarning } from './inbound/unhandled-warning.js'

/** Something that sees every relay event before the application does (telemetry, notifications). */
export interface EventObserver {
  observe(name: string, payload: unknown): void
}

/**
 * The relay's `emit` for its inner layers: a throwing listener cannot break the relay's work, and
 * nothing fails silently. An `error` nobody (but hookrelay itself) listens to goes to the logger;
 * so does, once per source and type, an inbound webhook no handler took (a misspelt type would
 * otherwise be answered 200 and dropped for good).
 */
export function relayEmit(
  emitter: EventEmitter<RelayEvents>,
  logger: ErrorLogger,
  observers: () => readonly (EventObserver | null)[],
): Emit {
  const emit: Emit = (name, ...args) => {
    if (name === 'error' && applicationListenerCount(emitter.listeners('error')) === 0) {
      logger.log(args[0] as RelayErrorEvent)
      return
    }
    if (name === 'inbound.unhandled' && applicationListenerCount(emitter.listeners('inbound.unhandled')) === 0) {
      const event = args[0] as InboundUnhandledEvent
      logger.warnOnce(`${event.source}\n${event.type}`, unhandledWarning(event))
    }
    for (const observer of observers()) observer?.observe(name, args[0])
    try {
      ;(emitter.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args)
    } catch (error) {
      const event = { error: toError(error), context: `listener of ${name}` }
      // A throwing error listener has no listener left to report to: the logger speaks instead.
      if (name === 'error') logger.log(event)
      else emit('error', event)
    }
  }
  return emit
}
