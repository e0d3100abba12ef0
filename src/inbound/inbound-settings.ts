import { z } from 'zod'
import { toMilliseconds, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors.js'
import { DURATION_HINT, durationCheck } from '../core/validation.js'

/**
 * The `inbound` section of `createRelay()` options: how this process runs the handlers of received
 * webhooks. Each field defaults to its `delivery` counterpart, so a relay that sets only `delivery`
 * behaves as before this section existed.
 * @example createRelay({ delivery: { concurrency: 64 }, inbound: { concurrency: 4 } })
 */
export interface InboundRelayOptions {
  /**
   * Received webhooks whose handlers run at once in this process, across all receivers.
   * @default delivery.concurrency (64)
   * @example inbound: { concurrency: 4 } // handlers that call a rate-limited API
   */
  concurrency?: number | undefined
  /**
   * Received webhooks claimed per database round trip.
   * @default delivery.batchSize (50)
   * @example inbound: { batchSize: 10 }
   */
  batchSize?: number | undefined
  /**
   * How often an idle inbound worker looks for due webhooks when nothing woke it (a receiver in
   * this process wakes it at once).
   * @default delivery.pollInterval ('1s')
   * @example inbound: { pollInterval: '5s' }
   */
  pollInterval?: Duration | undefined
  /**
   * How long a claimed webhook stays leased to this process while its handlers run; past it,
   * another process may run them again. Make it longer than your slowest handler.
   * @default delivery.lease (delivery.timeout + 30s)
   * @example inbound: { lease: '5m' } // handlers that run long jobs
   */
  lease?: Duration | undefined
}

const positiveInt = z.number().int().positive()
const duration = z.custom<Duration>(durationCheck, { message: DURATION_HINT })

/** The zod schema of {@link InboundRelayOptions}, part of `createRelay()`'s options schema. */
export const inboundOptionsSchema = z.strictObject({
  concurrency: positiveInt.max(10_000).optional(),
  batchSize: positiveInt.max(1_000).optional(),
  pollInterval: duration.optional(),
  lease: duration.optional(),
})

/** The `inbound` section resolved: every default applied, durations in milliseconds. */
export interface InboundLimits {
  concurrency: number
  batchSize: number
  pollIntervalMs: number
  leaseMs: number
}

/** What the inbound layer needs of the relay's options, and nothing else. */
export interface InboundSettings extends InboundLimits {
  /** Time running handlers get to finish on `stop()`. */
  stopTimeoutMs: number
  /** The relay's clock. */
  now: () => number
}

/** Applies the defaults (the resolved `delivery` values) to a validated `inbound` section. */
export function resolveInboundLimits(input: z.infer<typeof inboundOptionsSchema> | undefined, delivery: InboundLimits): InboundLimits {
  const leaseMs = input?.lease === undefined ? delivery.leaseMs : toMilliseconds(input.lease, 'inbound.lease')
  if (leaseMs <= 0) {
    throw new ValidationError('inbound.lease must be longer than 0 ms: a claimed webhook must stay leased while its handlers run.', [
      { path: ['inbound', 'lease'], message: 'must be more than 0 ms' },
    ])
  }
  return {
    concurrency: input?.concurrency ?? delivery.concurrency,
    batchSize: input?.batchSize ?? delivery.batchSize,
    pollIntervalMs: input?.pollInterval === undefined ? delivery.pollIntervalMs : toMilliseconds(input.pollInterval, 'inbound.pollInterval'),
    leaseMs,
  }
}
