import { InvalidArgumentError } from 'commander'
import { pointInTime } from '../admin/time.js'
import { isDuration } from '../core/duration.js'

/** A time option: ISO 8601, epoch ms, or a duration ago (`2h`). */
export function timeArg(value: string): Date {
  if (isDuration(value)) return pointInTime(value, Date.now(), 'time')
  const date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value)
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('use an ISO 8601 time (2026-01-31T02:00:00Z), epoch ms, or a duration ago (2h, 3d).')
  return date
}

/** An integer option from 1 to `max`. */
export function intArg(max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`must be an integer from 1 to ${max}.`)
    return n
  }
}

/** A duration option such as `30m`. */
export function durationArg(value: string): string {
  if (!isDuration(value)) throw new InvalidArgumentError("use a duration like '30m', '24h', '30d'.")
  return value
}

/** A JSON option (a payload): parsed, or refused with the parser's reason. */
export function jsonArg(value: string): unknown {
  try {
    return JSON.parse(value)
  } catch (error) {
    throw new InvalidArgumentError(`must be JSON, e.g. '{"id":"ord_1"}' (${(error as Error).message}).`)
  }
}
