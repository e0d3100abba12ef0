import { toMilliseconds, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors.js'

/** A point in time given as a `Date` or as a `Duration` before `now` (`'2h'`: two hours ago). */
export function pointInTime(value: Date | Duration, now: number, label: string): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValidationError(`${label} is an invalid Date.`, [{ path: [label], message: 'invalid date' }])
    return value
  }
  return new Date(now - toMilliseconds(value, label))
}

/** `432000000` → `'5d'`, `90000` → `'90s'`: the largest unit that divides evenly. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}
