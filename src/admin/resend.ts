import { z } from 'zod'
import { HookrelayError, NotFoundError, ValidationError } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { DeliveryRecord } from '../core/types.js'
import { parseOrThrow } from '../core/validation.js'
import type { Storage } from '../storage/storage.js'
import { EndpointDisabledError } from './recover.js'

/** Options of `relay.messages.resend(messageId, options)`. */
export interface ResendOptions {
  /**
   * The endpoints to send the message to again (of the message's tenant; enabled, not deleted).
   * Any endpoint may be named, also one that did not exist when the message was sent.
   * @default the endpoints the message was delivered to (its `succeeded` deliveries)
   * @example await relay.messages.resend(messageId, { endpointIds: ['ep_01J…'] })
   */
  endpointIds?: string[] | undefined
}

/** What `resend` created: one new delivery per endpoint, in the order of `endpointIds`. */
export interface ResendResult {
  messageId: string
  deliveryIds: string[]
}

/** The message is still on its way to the endpoint: resending now would race its own delivery. */
export class DeliveryInProgressError extends HookrelayError {
  constructor(messageId: string, endpointId: string) {
    super(
      'DELIVERY_IN_PROGRESS',
      `Message ${JSON.stringify(messageId)} is still being delivered to endpoint ${JSON.stringify(endpointId)}; ` +
        'wait until that delivery ends (or replay it if it is dead) before resending.',
    )
  }
}

const optionsSchema = z.strictObject({
  endpointIds: z.array(z.string().min(1).max(200)).min(1, 'must name at least one endpoint').max(1000).optional(),
})

// A message has one delivery per endpoint, a few more after resends: this covers any real fan-out.
const DELIVERIES_READ = 1000

/**
 * `relay.messages.resend(messageId, { endpointIds })`: new deliveries of a message, due now, with
 * the same `webhook-id` and the same body bytes as the first (a receiver deduplicating by
 * `webhook-id` treats it as the same event); their attempts are recorded as `manual`. For
 * messages that were delivered and must be again (a receiver lost them, a new endpoint needs
 * them). Refuses an endpoint the message is still pending or in flight to.
 */
export async function resendMessage(
  deps: { storage: Storage; now: () => number; notify: (deliveryIds: readonly string[], dueAt: Date) => void },
  messageId: string,
  options: ResendOptions = {},
): Promise<ResendResult> {
  const { endpointIds } = parseOrThrow(optionsSchema, options ?? {}, 'resend options')
  const { storage } = deps
  const message = await storage.getMessage(messageId)
  if (!message) throw new NotFoundError('Message', messageId)
  const existing = (await storage.listDeliveries({ messageId, limit: DELIVERIES_READ })).data
  const targets = [...new Set(endpointIds ?? existing.filter((d) => d.status === 'succeeded').map((d) => d.endpointId))]
  if (targets.length === 0) {
    throw new ValidationError(
      `Message ${JSON.stringify(messageId)} was not delivered to any endpoint yet; name the endpoints to send it to with endpointIds.`,
      [{ path: ['endpointIds'], message: 'required: the message has no delivered deliveries' }],
    )
  }
  for (const endpointId of targets) {
    if (existing.some((d) => d.endpointId === endpointId && (d.status === 'pending' || d.status === 'delivering'))) {
      throw new DeliveryInProgressError(messageId, endpointId)
    }
  }
  const at = new Date(deps.now())
  const deliveries = await storage.transaction(async (tx) => {
    const found = new Map((await tx.getEndpoints(targets)).map((e) => [e.id, e]))
    for (const endpointId of targets) {
      const endpoint = found.get(endpointId)
      if (!endpoint) throw new NotFoundError('Endpoint', endpointId)
      if (endpoint.tenant !== message.tenant) {
        throw new ValidationError(
          `Endpoint ${JSON.stringify(endpointId)} belongs to another tenant than message ${JSON.stringify(messageId)}.`,
          [{ path: ['endpointIds'], message: 'endpoint of another tenant' }],
        )
      }
      if (endpoint.disabledAt !== null) throw new EndpointDisabledError(endpointId)
    }
    const created = targets.map((endpointId) => newDelivery(messageId, endpointId, at))
    await tx.insertDeliveries(created)
    await tx.announceWork()
    return created
  })
  const deliveryIds = deliveries.map((d) => d.id)
  deps.notify(deliveryIds, at)
  return { messageId, deliveryIds }
}

function newDelivery(messageId: string, endpointId: string, at: Date): DeliveryRecord {
  return {
    id: newId('dlv', at.getTime()),
    messageId,
    endpointId,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at,
    leaseOwner: null,
    lastStatusCode: null,
    lastError: null,
    deadReason: null,
    nextTrigger: 'manual',
    createdAt: at,
    updatedAt: at,
    completedAt: null,
  }
}
