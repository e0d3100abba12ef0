import type { InboundContext, InboundEvent } from './handler.js'

/**
 * Types for `relay.receiver<Events>()`: a map of event type → the `data` handlers get, so that
 * `receiver.on('order.created', (event) => event.data.total)` type-checks and a type missing from
 * the map does not compile. Type-only: nothing here exists at run time, and nothing imports a
 * sender's SDK (`stripe`, `@octokit/webhooks-types`): you instantiate the preset helpers with
 * your own import of it.
 */

declare const SHAPE: unique symbol
declare const NO_DATA: unique symbol

/**
 * An entry of an event map that types the whole payload as well as `data` (what the presets
 * produce). A plain entry (`{ 'order.created': Order }`) types `data` and leaves `payload` unknown.
 */
export interface InboundEventShape<Data, Payload> {
  readonly [SHAPE]: { data: Data; payload: Payload }
}

/** The map of a receiver created without one: every type, `data` and `payload` unknown. */
export type UntypedEvents = Record<string, unknown>

/** `data` of type `K` in `Events`. */
export type InboundDataOf<Events, K extends keyof Events> = Events[K] extends InboundEventShape<infer Data, unknown> ? Data : Events[K]

/** `payload` of type `K` in `Events` (unknown unless the entry is an {@link InboundEventShape}). */
export type InboundPayloadOf<Events, K extends keyof Events> = Events[K] extends InboundEventShape<unknown, infer Payload> ? Payload : unknown

/** The types `receiver.on()` accepts: any string without a map; with one, its types and `'*'`. */
export type InboundHandlerType<Events> = string extends keyof Events ? string : (keyof Events & string) | '*'

/** The event a handler registered for `K` receives; for `'*'`, one of every type in the map. */
export type TypedInboundEvent<Events, K extends string> = string extends keyof Events
  ? InboundEvent<unknown>
  : K extends '*'
    ? { [T in keyof Events & string]: InboundEvent<InboundDataOf<Events, T>, T, InboundPayloadOf<Events, T>> }[keyof Events & string]
    : K extends keyof Events
      ? InboundEvent<InboundDataOf<Events, K>, K, InboundPayloadOf<Events, K>>
      : never

/** The default of `on()`'s explicit data type: "not given", so the map decides. */
export type NoExplicitData = typeof NO_DATA

/** A handler of `K`, typed by the map or by an explicit `on<Data>()`. */
export type TypedInboundHandler<Events, K extends string, Data = NoExplicitData> = (
  event: [Data] extends [NoExplicitData] ? TypedInboundEvent<Events, K> : InboundEvent<Data, K>,
  ctx: InboundContext,
) => Promise<void> | void

/**
 * The event map of a Stripe receiver, from the SDK's event union, which you import yourself:
 * `data` is the event's `{ object, previous_attributes }`, `payload` the whole `Stripe.Event`.
 *
 * @example
 * import type Stripe from 'stripe'
 * const stripe = relay.receiver<StripeEvents<Stripe.Event>>({ name: 'stripe', scheme: 'stripe', secret })
 * stripe.on('invoice.paid', (event) => markPaid(event.data.object.id))
 */
export type StripeEvents<Event extends { type: string; data: unknown }> = {
  [K in Event['type']]: InboundEventShape<Extract<Event, { type: K }>['data'], Extract<Event, { type: K }>>
}

type GitHubEntries<Map> = {
  [Name in keyof Map & string]: Map[Name] extends infer Payload
    ? Payload extends { action: infer Action extends string }
      ? { type: `${Name}.${Action}`; payload: Payload }
      : { type: Name; payload: Payload }
    : never
}[keyof Map & string]

/**
 * The event map of a GitHub receiver, from `@octokit/webhooks-types`' `WebhookEventMap`, which you
 * import yourself. Types are hookrelay's: `x-github-event` + `.` + `action` (`'issues.opened'`), or
 * the event name alone when the payload has no action (`'push'`). `data` and `payload` are both
 * the whole payload (GitHub sends no `data` field).
 *
 * @example
 * import type { WebhookEventMap } from '@octokit/webhooks-types'
 * const github = relay.receiver<GitHubEvents<WebhookEventMap>>({ name: 'github', scheme: 'github', secret })
 * github.on('issues.opened', (event) => triage(event.data.issue.number))
 */
export type GitHubEvents<Map> = {
  [Entry in GitHubEntries<Map> as Entry['type']]: InboundEventShape<Entry['payload'], Entry['payload']>
}
