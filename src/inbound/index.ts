export { Receiver, type ReceiverRequest, type ReceiverResponse } from './receiver.js'
export type { ReceiverOptions, ReceiverMode, InboundRequestView } from './receiver-options.js'
export type { InboundEvent, InboundContext, InboundHandler } from './handler.js'
export type { InboundOperations } from './inbound.js'
export { PermanentError, permanent, isPermanentError } from './permanent-error.js'
export type {
  GitHubEvents,
  InboundDataOf,
  InboundEventShape,
  InboundHandlerType,
  InboundPayloadOf,
  StripeEvents,
  TypedInboundEvent,
  TypedInboundHandler,
  UntypedEvents,
} from './typed-events.js'
