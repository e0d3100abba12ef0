import { ValidationError } from './errors.js'

/** Milliseconds, or a string such as `'500ms'`, `'5s'`, `'30m'`, `'2h'`, `'7d'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` | (string & {})

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/

/** Parses a {@link Duration} into milliseconds; throws a `ValidationError` naming `label`. */
export function toMilliseconds(value: Duration, label = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ValidationError(`${label} must be a non-negative number of milliseconds, got ${value}.`)
    }
    return value
  }
  const match = PATTERN.exec(value)
  if (!match) {
    throw new ValidationError(
      `${label} must be milliseconds or a string like '500ms', '5s', '30m', '2h', '7d'; got ${JSON.stringify(value)}.`,
    )
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!)
}

/** True when `value` parses as a {@link Duration}; for zod refinements. */
export function isDuration(value: unknown): value is Duration {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0
  return typeof value === 'string' && PATTERN.test(value)
}
