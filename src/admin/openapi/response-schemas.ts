import { z } from 'zod'
import type { CatalogEntry } from '../../catalog/catalog-listing.js'
import type { BulkResult, EndpointStats, RelayStats } from '../../core/operations.js'
import type { AttemptRecord, DeliveryRecord, InboundMessageRecord } from '../../core/types.js'
import type { Endpoint, EndpointWithSecret } from '../../outbound/endpoints.js'
import type { SendTestResult } from '../../outbound/send-test.js'
import type { PayloadFilter } from '../../core/filters/payload-filter.js'
import type { MessageWithDeliveries } from '../../relay-operations.js'
import type { ResendResult } from '../resend.js'

/**
 * What the admin API answers, as zod schemas for its OpenAPI document. Each is checked against the
 * TypeScript type it serialises (`satisfies`): a field added to a type and not here fails `tsc`,
 * so the document cannot drift from the answers.
 */

/** A value as `JSON.stringify` sends it: dates become ISO strings. */
type Json<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T

const time = z.iso.datetime().describe('ISO 8601, UTC')
const count = z.number().int().min(0)
const deliveryStatus = z.enum(['pending', 'delivering', 'succeeded', 'dead', 'discarded'])
const inboundStatus = z.enum(['pending', 'processing', 'processed', 'unhandled', 'dead', 'discarded'])
const byStatus = <T extends z.ZodEnum>(status: T) => z.record(status, count)

/** A page of a list: `data`, and `nextCursor` to pass as `cursor` for the next (`null` on the last). */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() })
}

export const endpoint = z.object({
  id: z.string(),
  uid: z.string().nullable().describe('Your own id for the endpoint, unique per tenant'),
  filter: z
    .custom<PayloadFilter>()
    .nullable()
    .meta({ description: 'Payload filter (docs/sending.md): only matching messages are routed here', type: 'object' }),
  tenant: z.string().nullable(),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()),
  channels: z.array(z.string()),
  headers: z.record(z.string(), z.string()).describe('Custom header names; values read "[redacted]" (GET /endpoints/{id}/headers reveals them)'),
  metadata: z.record(z.string(), z.unknown()),
  retrySchedule: z.array(z.number()).nullable().describe('Delays in ms; null: the relay schedule'),
  retryByType: z.record(z.string(), z.array(z.number())).nullable().optional().describe('Delays in ms by event type'),
  rateLimit: z.object({ max: z.number(), perMs: z.number() }).nullable(),
  maxConcurrency: z.number().nullable(),
  ordering: z.enum(['none', 'fifo']),
  circuitBreaker: z
    .object({
      enabled: z.boolean().optional(),
      errorThresholdPercentage: z.number().optional(),
      volumeThreshold: z.number().optional(),
      windowMs: z.number().optional(),
      resetTimeoutMs: z.number().optional(),
    })
    .nullable(),
  disabled: z.boolean(),
  disabledAt: time.nullable(),
  disabledReason: z.string().nullable(),
  failingSince: time.nullable(),
  createdAt: time,
  updatedAt: time,
}) satisfies z.ZodType<Json<Endpoint>>

export const endpointWithSecret = endpoint.extend({ secret: z.string() }) satisfies z.ZodType<Json<EndpointWithSecret>>
export const createdEndpoint = endpointWithSecret.extend({ created: z.boolean().describe('False when the uid named an existing endpoint') })
export const upsertedEndpoint = createdEndpoint.extend({ updated: z.boolean().describe('True when a field of an existing endpoint changed') })

export const delivery = z.object({
  id: z.string(),
  messageId: z.string(),
  endpointId: z.string(),
  status: deliveryStatus,
  attempts: count,
  nextAttemptAt: time.nullable(),
  leaseOwner: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  deadReason: z.enum(['exhausted', 'permanent_status', 'gone', 'endpoint_disabled', 'endpoint_deleted']).nullable(),
  nextTrigger: z.enum(['scheduled', 'manual']),
  createdAt: time,
  updatedAt: time,
  completedAt: time.nullable(),
}) satisfies z.ZodType<Json<DeliveryRecord>>

export const attempt = z.object({
  id: z.string(),
  deliveryId: z.string(),
  messageId: z.string(),
  endpointId: z.string(),
  number: z.number().int().min(1),
  startedAt: time,
  durationMs: z.number(),
  statusCode: z.number().int().nullable(),
  responseBody: z.string().nullable(),
  error: z.string().nullable(),
  outcome: z.enum(['succeeded', 'failed', 'dead']),
  trigger: z.enum(['scheduled', 'manual']),
}) satisfies z.ZodType<Json<AttemptRecord>>

export const message = z.object({
  id: z.string(),
  tenant: z.string().nullable(),
  type: z.string(),
  payload: z.string().describe('The exact JSON body that is signed and sent'),
  data: z.unknown().describe('The parsed `data` of the payload'),
  channels: z.array(z.string()),
  idempotencyKey: z.string().nullable(),
  createdAt: time,
  deliveries: z.array(delivery),
}) satisfies z.ZodType<Json<MessageWithDeliveries>>

export const inboundMessage = z.object({
  id: z.string(),
  source: z.string(),
  webhookId: z.string(),
  type: z.string(),
  payload: z.string(),
  headers: z.record(z.string(), z.string()),
  status: inboundStatus,
  attempts: count,
  nextAttemptAt: time.nullable(),
  leaseOwner: z.string().nullable(),
  lastError: z.string().nullable(),
  deadReason: z.string().nullable(),
  receivedAt: time,
  updatedAt: time,
  processedAt: time.nullable(),
}) satisfies z.ZodType<Json<InboundMessageRecord>>

const attemptSummary = z.object({
  total: count,
  succeeded: count,
  failed: count,
  successRate: z.number().min(0).max(1).nullable(),
  latency: z.object({ p50Ms: z.number().nullable(), p95Ms: z.number().nullable() }),
})
const window = z.object({ since: time, until: time })

export const endpointStats = z.object({
  endpointId: z.string(),
  window,
  deliveries: byStatus(deliveryStatus),
  attempts: attemptSummary,
  circuit: z.enum(['closed', 'open', 'half_open', 'unknown']),
  disabled: z.boolean(),
  disabledReason: z.string().nullable(),
  failingSince: time.nullable(),
  lastFailure: z
    .object({ at: time, deliveryId: z.string(), statusCode: z.number().int().nullable(), error: z.string().nullable() })
    .nullable(),
}) satisfies z.ZodType<Json<EndpointStats>>

export const relayStats = z.object({
  window,
  deliveries: byStatus(deliveryStatus),
  inbound: byStatus(inboundStatus),
  messages: count,
  attempts: attemptSummary,
  endpoints: z.object({ total: count, disabled: count, failing: count }),
  lagMs: z.number().min(0),
}) satisfies z.ZodType<Json<RelayStats>>

export const bulkResult = z.object({ matched: count, changed: count }) satisfies z.ZodType<BulkResult>
export const replayed = z.object({ replayed: z.boolean() })
export const discarded = z.object({ discarded: z.boolean() })
export const resendResult = z.object({ messageId: z.string(), deliveryIds: z.array(z.string()) }) satisfies z.ZodType<ResendResult>
export const sendTestResult = z.object({
  messageId: z.string(),
  deliveryIds: z.array(z.string()),
  type: z.string(),
}) satisfies z.ZodType<SendTestResult>

export const catalogEntry = z.object({
  type: z.string(),
  description: z.string(),
  examples: z.array(z.unknown()),
  schema: z.record(z.string(), z.unknown()).optional().describe('JSON Schema (2020-12) of the event data'),
}) satisfies z.ZodType<CatalogEntry>

export const health = z.object({ status: z.literal('ok'), storage: z.string() })
export const secret = z.object({ secret: z.string() })
export const headers = z.object({ headers: z.record(z.string(), z.string()) })

/** Every error: a stable `code`, a message that says what to do, and for bad input where the problems are. */
export const error = z.object({
  error: z.object({
    code: z.string().describe('e.g. VALIDATION_ERROR, NOT_FOUND, PAYLOAD_INVALID, UNKNOWN_EVENT_TYPE, ENDPOINT_DISABLED'),
    message: z.string(),
    issues: z.array(z.object({ path: z.array(z.string()), message: z.string() })).optional(),
  }),
})
