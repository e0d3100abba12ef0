import { z } from 'zod'
import type { EventCatalog } from '../catalog/define-events.js'
import { unknownEventType, validateEventData } from '../catalog/validate-payload.js'
import { HookrelayError, ValidationError } from '../core/errors.js'
import { EVENT_TYPE_PATTERN } from '../core/event-type.js'
import type { EndpointRecord } from '../core/types.js'
import { parseOrThrow } from '../core/validation.js'
import type { Sender } from './send.js'

/** The type of the ping `sendTest` sends when given no type: it needs no catalog entry. */
export const TEST_PING_TYPE = 'webhook.test'

/** Options of `relay.endpoints.sendTest(id, options)`. */
export interface SendTestOptions {
  /**
   * The event type to send. With a catalog it must be one of its types, and its first example is
   * sent unless `payload` is given.
   * @default 'webhook.test' (a ping: `{ endpointId, message }`)
   * @example { type: 'order.created' }
   */
  type?: string
  /**
   * The `data` to send instead of the catalog's example (validated by the type's schema when the
   * catalog has the type).
   * @default the type's first catalog example, or the ping
   * @example { type: 'order.created', payload: { id: 'ord_test', total: 1 } }
   */
  payload?: unknown
}

/** What `sendTest` resolves to: the test message (its `webhook-id`) and its one delivery. */
export interface SendTestResult {
  messageId: string
  deliveryIds: string[]
  /** The event type sent. */
  type: string
}

export const sendTestOptionsSchema = z.strictObject({
  type: z.string().max(256).regex(EVENT_TYPE_PATTERN, "must look like 'order.created'").optional(),
  payload: z.unknown().optional(),
})

/**
 * Sends a test message to one endpoint only, through the normal engine (signed, retried, logged).
 * Its body carries `"test": true` beside `type`, `timestamp` and `data`, so a receiver (and the
 * dashboard) can tell it from real traffic; the endpoint's event-type filter does not apply.
 */
export async function sendTestMessage(
  deps: { sender: Sender; catalog: EventCatalog | undefined },
  endpoint: EndpointRecord,
  input: SendTestOptions,
): Promise<SendTestResult> {
  const options = parseOrThrow(sendTestOptionsSchema, input ?? {}, 'sendTest() options')
  if (endpoint.disabledAt) {
    throw new HookrelayError(
      'ENDPOINT_DISABLED',
      `Endpoint ${JSON.stringify(endpoint.id)} is disabled, so a test would be dead-lettered unsent; enable it first (relay.endpoints.enable(id)).`,
    )
  }
  const type = options.type ?? TEST_PING_TYPE
  const data = await testData(deps.catalog, endpoint, type, options.payload)
  const sent = await deps.sender.sendTest({ type, data, tenant: endpoint.tenant, endpointIds: [endpoint.id] })
  return { messageId: sent.messageId, deliveryIds: sent.deliveryIds, type }
}

async function testData(catalog: EventCatalog | undefined, endpoint: EndpointRecord, type: string, payload: unknown): Promise<unknown> {
  const definition = catalog?.definitions.get(type)
  if (catalog && definition) {
    if (payload === undefined && definition.examples.length === 0) {
      throw new ValidationError(
        `sendTest(): ${JSON.stringify(type)} has no example in the event catalog; add examples to its definition, or pass { payload }.`,
        [{ path: ['payload'], message: 'required: the type has no catalog example' }],
      )
    }
    return validateEventData(catalog, type, payload === undefined ? definition.examples[0] : payload, 'test event')
  }
  if (catalog && type !== TEST_PING_TYPE) throw unknownEventType(catalog, type, 'sendTest() options', ['type'])
  return payload === undefined ? { endpointId: endpoint.id, message: 'A test event from hookrelay.' } : payload
}
