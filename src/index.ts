export { createRelay, Relay } from './relay.js'
export type { MessageWithDeliveries, DeadLetterFilter, StartOptions } from './relay.js'
export type { RelayOptions } from './relay-options.js'
export type { InboundRelayOptions } from './inbound/inbound-settings.js'
export type { RelayLogger } from './core/error-logger.js'
export { sqliteStorage, postgresStorage, mysqlStorage } from './storage/index.js'
export type * from './storage/index.js'
export { storagePolling } from './queue/storage-polling.js'
export { redisQueue } from './queue/redis-queue.js'
export type { RedisQueue, RedisQueueOptions, RedisLike, RedisConnectionLike, RedisCoordination, SharedCircuit } from './queue/redis-queue.js'
export type { QueueDriver } from './queue/queue-driver.js'
export type { CreatedEndpoint, Endpoint, EndpointWithSecret, Endpoints, UidLookupOptions, UpsertedEndpoint } from './outbound/endpoints.js'
export { REDACTED } from './outbound/endpoints.js'
export type { CircuitBreakerInput, EndpointInput, EndpointUpdate } from './outbound/endpoint-input.js'
export type { SendEvent, SendOptions, SendResult } from './outbound/send.js'
export type { EndpointRetryInput } from './outbound/endpoint-input.js'
export type { SendTestOptions, SendTestResult } from './outbound/send-test.js'
export { defineEvents, EventCatalog, isEventCatalog } from './catalog/index.js'
export type {
  CatalogEntry,
  CatalogEvents,
  CatalogInputs,
  EventDefinition,
  EventSchemas,
  InferInput,
  InferOutput,
  SendEventFor,
  StandardIssue,
  StandardResult,
  StandardSchemaProps,
  StandardSchemaV1,
} from './catalog/index.js'
export * from './core/errors.js'
export type { Duration } from './core/duration.js'
export type { PayloadFilter, FilterOperators, FilterScalar } from './core/filters/payload-filter.js'
export type * from './core/types.js'
export type * from './core/events.js'
export { WebhookVerificationError } from './signing/index.js'
export { Receiver, PermanentError, permanent, isPermanentError } from './inbound/index.js'
export type {
  ReceiverRequest,
  ReceiverResponse,
  ReceiverOptions,
  ReceiverMode,
  InboundRequestView,
  InboundEvent,
  InboundContext,
  InboundHandler,
  InboundOperations,
  GitHubEvents,
  InboundDataOf,
  InboundEventShape,
  InboundHandlerType,
  InboundPayloadOf,
  StripeEvents,
  TypedInboundEvent,
  TypedInboundHandler,
  UntypedEvents,
} from './inbound/index.js'
export type { IncomingHeaders } from './inbound/request-headers.js'
export { createAdminHandler, ADMIN_ROUTES } from './admin/admin-handlers.js'
export type { AdminOptions, AdminAuthorize, AdminDenial, AdminHandler, AdminRequest, AdminResponse } from './admin/admin-handlers.js'
export { DeadLetters, type DeadLetterBulkFilter } from './admin/dead-letters.js'
export { EndpointDisabledError } from './admin/recover.js'
export { DeliveryInProgressError, type ResendOptions, type ResendResult } from './admin/resend.js'
export type * from './core/operations.js'
export type { InboundBulkFilter } from './inbound/inbound.js'
export * from './dashboard/index.js'
