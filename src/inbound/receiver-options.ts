import { z } from 'zod'
import { toMilliseconds, type Duration } from '../core/duration.js'
import type { SigningScheme } from '../core/types.js'
import { DURATION_HINT, durationCheck, parseOrThrow } from '../core/validation.js'
import { findScheme } from '../signing/schemes.js'

/**
 * Where a receiver's handlers run:
 * - `'durable'`: the request is answered as soon as the webhook is stored; the relay's workers
 *   run the handlers afterwards, with retries and a dead-letter queue.
 * - `'inline'`: the handlers run before the answer; a failure answers 500 so the sender retries.
 *   For apps that run no workers (serverless functions, a process that only serves requests).
 */
export type ReceiverMode = 'durable' | 'inline'

/** What the `webhookId` and `eventType` functions see of a verified request. */
export interface InboundRequestView {
  /** Lower-case header names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  /** The parsed JSON body. */
  readonly payload: unknown
}

/** Options of `relay.receiver()`. */
export interface ReceiverOptions {
  /**
   * The receiver's name, unique in the relay: stored as the `source` of every message it takes
   * in, and with the sender's webhook id the idempotency key. Letters, digits, `_`, `.`, `-`.
   * @example name: 'stripe'
   */
  name: string
  /**
   * How the sender signs. Also picks the defaults for the webhook id and the event type:
   * `'standard'`: `webhook-id` header and `payload.type`; `'stripe'`: `payload.id` and
   * `payload.type`; `'github'`: `x-github-delivery` and `x-github-event` + `payload.action`.
   * @default 'standard'
   * @example scheme: 'stripe'
   */
  scheme?: SigningScheme | undefined
  /**
   * The secret the sender signs with; give this or `secrets`.
   * @example secret: process.env.STRIPE_WEBHOOK_SECRET
   */
  secret?: string | undefined
  /**
   * Several secrets, e.g. while the sender rotates: a request is valid when it matches any one.
   * @example secrets: [process.env.WEBHOOK_SECRET, process.env.WEBHOOK_SECRET_OLD]
   */
  secrets?: readonly string[] | undefined
  /**
   * `'stripe'` scheme only: the signature header's name.
   * @default 'stripe-signature'
   * @example headerName: 'x-acme-signature'
   */
  headerName?: string | undefined
  /**
   * How far the signed timestamp may be from now, either way, against replays. `false` turns
   * the check off (not recommended). GitHub signs no timestamp, so it does not apply there.
   * @default '5m'
   * @example tolerance: '10m'
   */
  tolerance?: Duration | false | undefined
  /**
   * The largest body accepted, in bytes; a larger one is answered 413 and not read further.
   * @default 1048576 (1 MiB)
   * @example maxBodyBytes: 256 * 1024
   */
  maxBodyBytes?: number | undefined
  /**
   * `'durable'` answers once the webhook is stored and runs handlers on the relay's workers;
   * `'inline'` runs them before answering (see {@link ReceiverMode}).
   * @default 'durable'
   * @example mode: 'inline'
   */
  mode?: ReceiverMode | undefined
  retry?: {
    /**
     * Delays between handler attempts; attempts = schedule length + 1. Then the message is dead.
     * @default ['1s', '5s', '30s', '2m', '10m', '30m']
     * @example schedule: ['10s', '1m', '10m']
     */
    schedule?: Duration[] | undefined
    /** Random spread of each delay, as a fraction. @default 0.2 */
    jitter?: number | undefined
  } | undefined
  /**
   * The sender's id of a webhook, the idempotency key (with `name`). Runs after verification.
   * Return a string of 1 to 255 characters; anything else refuses the request with 400.
   * @default the scheme's: `webhook-id` (standard), `payload.id` (stripe), `x-github-delivery` (github)
   * @example webhookId: ({ headers }) => headers['x-request-id']
   */
  webhookId?: ((request: InboundRequestView) => string | null | undefined) | undefined
  /**
   * The event type handlers are matched on. Runs after verification; return a non-empty string.
   * @default the scheme's: `payload.type` (standard, stripe), `x-github-event` + `.` + `payload.action` (github)
   * @example eventType: ({ payload }) => (payload as { event: string }).event
   */
  eventType?: ((request: InboundRequestView) => string | null | undefined) | undefined
}

export const DEFAULT_INBOUND_RETRY_SCHEDULE: readonly Duration[] = ['1s', '5s', '30s', '2m', '10m', '30m']

/** Options with defaults applied and durations in milliseconds. Frozen. */
export interface ResolvedReceiverOptions {
  name: string
  scheme: SigningScheme
  secrets: readonly string[]
  headerName: string | undefined
  /** Milliseconds, or `false` (no time check). */
  tolerance: number | false
  maxBodyBytes: number
  mode: ReceiverMode
  retry: { schedule: readonly number[]; jitter: number }
  webhookId: ((request: InboundRequestView) => string | null | undefined) | undefined
  eventType: ((request: InboundRequestView) => string | null | undefined) | undefined
}

const fn = z.custom<(request: InboundRequestView) => string | null | undefined>((v) => typeof v === 'function', {
  message: 'must be a function ({ headers, payload }) => string',
})
const secret = z.string().min(1, 'must be a non-empty string (is the environment variable set?)')

const schema = z
  .strictObject({
    name: z
      .string({ message: 'is required: a name such as "stripe", unique in the relay' })
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit'),
    scheme: z.enum(['standard', 'stripe', 'github']).optional(),
    secret: secret.optional(),
    secrets: z.array(secret).min(1, 'must hold at least one secret').optional(),
    headerName: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name').optional(),
    tolerance: z.union([z.literal(false), z.custom<Duration>(durationCheck, { message: DURATION_HINT })]).optional(),
    maxBodyBytes: z.number().int().positive().max(100 * 1_048_576).optional(),
    mode: z.enum(['durable', 'inline']).optional(),
    retry: z
      .strictObject({
        schedule: z.array(z.custom<Duration>(durationCheck, { message: DURATION_HINT })).max(50).optional(),
        jitter: z.number().min(0).max(1).optional(),
      })
      .optional(),
    webhookId: fn.optional(),
    eventType: fn.optional(),
  })
  .refine((o) => o.secret !== undefined || o.secrets !== undefined, {
    message: 'give the secret the sender signs with, as secret or secrets',
    path: ['secret'],
  })
  .refine((o) => o.headerName === undefined || o.scheme === 'stripe', {
    message: "only applies to the 'stripe' scheme",
    path: ['headerName'],
  })
  .superRefine((o, ctx) => {
    // A secret the scheme cannot use would only show on the first request, as a 500 that real
    // senders retry for days: refuse it here, where the person configuring it is looking.
    const scheme = findScheme(o.scheme ?? 'standard')
    if (scheme === undefined) return
    const check = (value: string, path: (string | number)[]) => {
      const resolved = scheme.resolveKey(value)
      if (typeof resolved === 'string') ctx.addIssue({ code: 'custom', path, message: `is not a usable ${o.scheme ?? 'standard'} secret: ${resolved}` })
    }
    if (o.secret !== undefined) check(o.secret, ['secret'])
    o.secrets?.forEach((value, i) => check(value, ['secrets', i]))
  })

/** Validates `relay.receiver()` options (a `ValidationError` lists every problem) and applies defaults. */
export function resolveReceiverOptions(input: ReceiverOptions): ResolvedReceiverOptions {
  const o = parseOrThrow(schema, input, 'receiver() options')
  return Object.freeze({
    name: o.name,
    scheme: o.scheme ?? 'standard',
    secrets: Object.freeze([...(o.secret !== undefined ? [o.secret] : []), ...(o.secrets ?? [])]),
    headerName: o.headerName,
    // In ms once here, so that verifying a request does not parse '5m' again each time.
    tolerance: o.tolerance === false ? false : toMilliseconds(o.tolerance ?? '5m', 'tolerance'),
    maxBodyBytes: o.maxBodyBytes ?? 1_048_576,
    mode: o.mode ?? 'durable',
    retry: Object.freeze({
      schedule: Object.freeze((o.retry?.schedule ?? DEFAULT_INBOUND_RETRY_SCHEDULE).map((d, i) => toMilliseconds(d, `retry.schedule[${i}]`))),
      jitter: o.retry?.jitter ?? 0.2,
    }),
    webhookId: o.webhookId,
    eventType: o.eventType,
  })
}
