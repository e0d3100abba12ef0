import type { SendEvent } from '../outbound/send.js'
import type { EventCatalog } from './define-events.js'
import type { InferInput, InferOutput } from './standard-schema.js'

/**
 * Event type → the `data` receivers get (the schema's output), from a catalog. Fits a typed
 * receiver: `relay.receiver<CatalogEvents<typeof events>>(…)`.
 *
 * @example type Events = CatalogEvents<typeof events> // { 'order.created': { id: string; total: number } }
 */
export type CatalogEvents<C> = C extends EventCatalog<infer S> ? { [K in keyof S & string]: InferOutput<S[K]> } : never

/** Event type → the `data` senders pass (the schema's input), from a catalog. */
export type CatalogInputs<C> = C extends EventCatalog<infer S> ? { [K in keyof S & string]: InferInput<S[K]> } : never

/** The events `send()` takes: with a catalog, one of its types with that type's data; without, any. */
export type SendEventFor<C, TData = unknown> = [C] extends [EventCatalog<infer S>]
  ? { [K in keyof S & string]: Omit<SendEvent<InferInput<S[K]>>, 'type'> & { type: K } }[keyof S & string]
  : SendEvent<TData>
