import { newId } from '../../src/core/ids.js'
import type {
  AttemptRecord,
  DeliveryRecord,
  EndpointRecord,
  InboundMessageRecord,
  MessageRecord,
} from '../../src/core/types.js'
import type { Storage } from '../../src/storage/storage.js'

/** A fixed clock for the contract suites: times are explicit, never read from the wall clock. */
export const T0 = new Date('2030-01-01T00:00:00.000Z')
export const at = (ms: number): Date => new Date(T0.getTime() + ms)

let sequence = 0
/** Ids that sort in creation order even within one millisecond. */
function id(prefix: 'msg' | 'ep' | 'dlv' | 'att' | 'in'): string {
  sequence += 1
  return newId(prefix, Date.now() + sequence)
}

export function anEndpoint(overrides: Partial<EndpointRecord> = {}): EndpointRecord {
  return {
    id: id('ep'),
    uid: null,
    tenant: null,
    url: 'https://example.com/webhooks',
    description: null,
    eventTypes: [],
    channels: [],
    secrets: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', expiresAt: null }],
    headers: {},
    metadata: {},
    retrySchedule: null,
    retryByType: null,
    rateLimit: null,
    maxConcurrency: null,
    circuitBreaker: null,
    ordering: 'none',
    disabledAt: null,
    disabledReason: null,
    failingSince: null,
    filter: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

export function aMessage(overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id: id('msg'),
    tenant: null,
    type: 'order.created',
    payload: '{"type":"order.created","data":{"id":"ord_1"}}',
    channels: [],
    idempotencyKey: null,
    createdAt: T0,
    ...overrides,
  }
}

export function aDelivery(
  message: Pick<MessageRecord, 'id'>,
  endpoint: Pick<EndpointRecord, 'id'>,
  overrides: Partial<DeliveryRecord> = {},
): DeliveryRecord {
  return {
    id: id('dlv'),
    messageId: message.id,
    endpointId: endpoint.id,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: T0,
    leaseOwner: null,
    lastStatusCode: null,
    lastError: null,
    deadReason: null,
    nextTrigger: 'scheduled',
    createdAt: T0,
    updatedAt: T0,
    completedAt: null,
    ...overrides,
  }
}

export function anAttempt(delivery: DeliveryRecord, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    id: id('att'),
    deliveryId: delivery.id,
    messageId: delivery.messageId,
    endpointId: delivery.endpointId,
    number: delivery.attempts + 1,
    startedAt: T0,
    durationMs: 12,
    statusCode: 200,
    responseBody: 'ok',
    error: null,
    outcome: 'succeeded',
    trigger: 'scheduled',
    ...overrides,
  }
}

export function anInboundMessage(overrides: Partial<InboundMessageRecord> = {}): InboundMessageRecord {
  return {
    id: id('in'),
    source: 'stripe',
    webhookId: `evt_${id('in')}`,
    type: 'invoice.paid',
    payload: '{"id":"evt_1"}',
    headers: { 'content-type': 'application/json' },
    status: 'pending',
    attempts: 0,
    nextAttemptAt: T0,
    leaseOwner: null,
    lastError: null,
    deadReason: null,
    receivedAt: T0,
    updatedAt: T0,
    processedAt: null,
    ...overrides,
  }
}

/**
 * Stores an endpoint, a message and `count` pending deliveries of it, due at `due(i)`.
 * Returns them in insertion order.
 */
export async function seedDeliveries(
  storage: Storage,
  count: number,
  options: { due?: (i: number) => Date; endpoint?: EndpointRecord; message?: MessageRecord } = {},
): Promise<{ endpoint: EndpointRecord; message: MessageRecord; deliveries: DeliveryRecord[] }> {
  const endpoint = options.endpoint ?? anEndpoint()
  if (!options.endpoint) await storage.insertEndpoint(endpoint)
  const message = options.message ?? aMessage()
  const deliveries = Array.from({ length: count }, (_, i) =>
    aDelivery(message, endpoint, { nextAttemptAt: options.due ? options.due(i) : T0 }),
  )
  await storage.transaction(async (tx) => {
    if (!options.message) await tx.insertMessage(message, null)
    await tx.insertDeliveries(deliveries)
  })
  return { endpoint, message, deliveries }
}
