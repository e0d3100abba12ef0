import { z } from 'zod'

/**
 * Where the relay sends its own notifications about endpoints (`endpoint.failing`,
 * `endpoint.disabled`, `endpoint.recovered`) as signed webhooks, delivered, retried and logged by
 * the same engine as every other message, through a system endpoint hidden from endpoint lists.
 * @example operationalWebhook: { url: 'https://ops.example.com/hookrelay', secret: process.env.OPS_WEBHOOK_SECRET }
 */
export interface OperationalWebhookOptions {
  /** The URL notifications are POSTed to (http or https; the SSRF guard applies). */
  url: string
  /** The signing secret the receiver verifies with (`whsec_…` from `generateSecret()`). */
  secret: string
  /**
   * Which notifications to send.
   * @default ['endpoint.failing', 'endpoint.disabled', 'endpoint.recovered']
   */
  events?: OperationalEventType[]
}

export type OperationalEventType = 'endpoint.failing' | 'endpoint.disabled' | 'endpoint.recovered'
export const OPERATIONAL_EVENT_TYPES: readonly OperationalEventType[] = ['endpoint.failing', 'endpoint.disabled', 'endpoint.recovered']

export const operationalWebhookSchema = z.strictObject({
  url: z.string().url().max(2048),
  secret: z.string().min(16, 'must be at least 16 characters (use generateSecret())').max(512),
  events: z.array(z.enum(['endpoint.failing', 'endpoint.disabled', 'endpoint.recovered'])).optional(),
})

/** Shares of `endpointHealth.disableAfter`, in percent, at which `endpoint.failing` is emitted. */
export const notifyAtSchema = z.array(z.number().int().min(1).max(100)).max(20)
export const DEFAULT_NOTIFY_AT: readonly number[] = [50, 70, 90, 100]
