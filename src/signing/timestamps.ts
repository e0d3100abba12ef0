import { toMilliseconds, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors.js'
import { WebhookVerificationError } from './webhook-verification-error.js'

/** Unix seconds above this are almost surely milliseconds (this is the year 5138). */
const LARGEST_PLAUSIBLE_SECONDS = 1e11
const DEFAULT_TOLERANCE_SECONDS = 300

/** The timestamp to sign, in whole unix seconds; throws a `ValidationError` for bad input. */
export function signingTimestamp(value: number | Date | undefined): number {
  if (value === undefined) return Math.floor(Date.now() / 1000)
  const seconds = toUnixSeconds(value)
  if (seconds === null) {
    throw new ValidationError(`sign(): timestamp ${describeTime(value)}`, [{ path: ['timestamp'], message: describeTime(value) }])
  }
  return seconds
}

/** The verifier's clock in unix seconds; throws `INVALID_OPTIONS` for bad input. */
export function verificationNow(value: unknown): number {
  if (value === undefined) return Math.floor(Date.now() / 1000)
  const seconds = toUnixSeconds(value)
  if (seconds === null) throw new WebhookVerificationError('INVALID_OPTIONS', `verify(): now ${describeTime(value)}`)
  return seconds
}

/** The allowed clock difference in seconds, or null when the time check is off (`false`). */
export function toleranceSeconds(value: unknown): number | null {
  if (value === undefined) return DEFAULT_TOLERANCE_SECONDS
  if (value === false) return null
  if (typeof value === 'number' || typeof value === 'string') {
    try {
      return toMilliseconds(value as Duration, 'tolerance') / 1000
    } catch (cause) {
      throw new WebhookVerificationError('INVALID_OPTIONS', `verify(): ${(cause as Error).message} Use false to turn the time check off.`, { cause })
    }
  }
  throw new WebhookVerificationError('INVALID_OPTIONS', `verify(): tolerance must be a duration such as '5m' or 300000 (ms), or false; got ${typeof value}.`)
}

/** Parses a timestamp header: 1 to 15 ASCII digits (15 digits stay exact as a JavaScript number). */
export function parseTimestampHeader(text: string, header: string): number {
  let value = 0
  const length = text.length
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) {
      value = -1
      break
    }
    value = value * 10 + digit
  }
  if (value < 0 || length === 0 || length > 15) {
    throw new WebhookVerificationError('INVALID_TIMESTAMP', `The ${header} must be whole unix seconds (digits only); the sender's clock or encoding is wrong.`)
  }
  return value
}

/** Throws `TIMESTAMP_TOO_OLD` / `TIMESTAMP_TOO_NEW` when `timestamp` is more than `tolerance` seconds away from `now`. */
export function checkTolerance(timestamp: number, now: number, tolerance: number | null): void {
  if (tolerance === null) return
  if (now - timestamp > tolerance) {
    throw new WebhookVerificationError(
      'TIMESTAMP_TOO_OLD',
      `The webhook was signed ${now - timestamp}s ago, more than the ${tolerance}s tolerance: it may be a replay. Check both clocks, or raise tolerance.`,
    )
  }
  if (timestamp - now > tolerance) {
    throw new WebhookVerificationError(
      'TIMESTAMP_TOO_NEW',
      `The webhook is signed ${timestamp - now}s in the future, more than the ${tolerance}s tolerance. Check both clocks (NTP), or raise tolerance.`,
    )
  }
}

function toUnixSeconds(value: unknown): number | null {
  if (value instanceof Date) {
    const ms = value.getTime()
    return Number.isFinite(ms) && ms >= 0 ? Math.floor(ms / 1000) : null
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= LARGEST_PLAUSIBLE_SECONDS) return null
  return Math.floor(value)
}

function describeTime(value: unknown): string {
  if (typeof value === 'number' && value >= LARGEST_PLAUSIBLE_SECONDS) {
    return `looks like milliseconds (${value}); pass unix seconds, e.g. Math.floor(Date.now() / 1000), or a Date.`
  }
  if (value instanceof Date) return 'is an invalid Date or before 1970.'
  return `must be unix seconds (a non-negative finite number) or a Date; got ${typeof value === 'number' ? value : typeof value}.`
}

