import { z } from 'zod'
import { INBOUND_STATUSES } from '../core/types.js'
import { DURATION_HINT, durationCheck } from '../core/validation.js'
import type { Duration } from '../core/duration.js'

/**
 * What the admin HTTP API accepts, validated at the edge. Query values arrive as strings; times
 * are ISO 8601 (`2026-01-31T02:00:00Z`) or epoch milliseconds.
 */

const duration = z.custom<Duration>(durationCheck, { message: DURATION_HINT })

/** A time in a query or a body: ISO 8601 or epoch milliseconds. */
export const time = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const date = typeof value === 'number' || /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value)
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time (e.g. 2026-01-31T02:00:00Z) or epoch milliseconds' })
    return z.NEVER
  }
  return date
})

const limit = z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(1000, 'must be at most 1000')
const id = z.string().min(1).max(200)
const bool = z.enum(['true', 'false']).transform((v) => v === 'true')

export const pageQuery = z.strictObject({ limit: limit.optional(), cursor: id.optional() })

export const endpointGetQuery = z.strictObject({ tenant: z.string().min(1).optional() })
export const endpointListQuery = pageQuery.extend({ tenant: z.string().min(1).optional(), disabled: bool.optional() })

export const deliveryListQuery = pageQuery.extend({
  status: z.enum(['pending', 'delivering', 'succeeded', 'dead', 'discarded']).optional(),
  endpointId: id.optional(),
  messageId: id.optional(),
  tenant: z.string().min(1).optional(),
  eventType: z.string().min(1).optional(),
  since: time.optional(),
  until: time.optional(),
})

export const attemptListQuery = pageQuery.extend({ deliveryId: id.optional(), messageId: id.optional(), endpointId: id.optional() })

const deadLetterFilterFields = {
  endpointId: id.optional(),
  tenant: z.string().min(1).optional(),
  eventType: z.string().min(1).optional(),
  since: time.optional(),
  until: time.optional(),
}

export const deadLetterListQuery = pageQuery.extend(deadLetterFilterFields)

/** Bulk replay needs a filter, or `all: true` to replay the whole queue on purpose. */
export const deadLetterBulkBody = z
  .strictObject({ ...deadLetterFilterFields, all: z.literal(true).optional() })
  .refine((b) => b.all === true || Object.keys(b).length > 0, {
    message: 'give a filter (endpointId, tenant, eventType, since, until) or { "all": true } to replay every dead letter',
  })

const inboundFilterFields = {
  source: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  since: time.optional(),
  until: time.optional(),
}

export const inboundListQuery = pageQuery.extend({
  ...inboundFilterFields,
  status: z.enum(INBOUND_STATUSES).optional(),
})

export const inboundBulkBody = z
  .strictObject({ ...inboundFilterFields, status: z.enum(['dead', 'unhandled']).optional(), all: z.literal(true).optional() })
  .refine((b) => b.all === true || Object.keys(b).some((k) => k !== 'status'), {
    message: 'give a filter (source, type, since, until) or { "all": true } to replay every inbound dead letter (or, with "status": "unhandled", every unhandled webhook)',
  })

export const statsQuery = z.strictObject({ window: duration.optional() })

export const disableBody = z.strictObject({ reason: z.string().min(1).max(500).optional() })

export const rotateSecretBody = z.strictObject({ keepOldFor: duration.optional(), secret: z.string().optional() })

export const recoverBody = z.strictObject({
  /** A time, or a duration ago (`'6h'`). */
  since: z.union([z.string().refine(durationCheck), time]),
  until: time.optional(),
})

export const emptyBody = z.strictObject({})

/** `POST /messages/:id/resend`: the endpoints to send to again (default: those it was delivered to). */
export const resendBody = z.strictObject({ endpointIds: z.array(id).min(1).max(1000).optional() })
