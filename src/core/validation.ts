import type { z } from 'zod'
import { isDuration, type Duration } from './duration.js'
import { ValidationError } from './errors.js'

/** Parses `input` with `schema` or throws a `ValidationError` listing every problem with its path. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => ({ path: issue.path, message: issue.message }))
  const lines = issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
  throw new ValidationError(`Invalid ${what}:\n${lines.join('\n')}`, issues)
}

/** Message for zod refinements of durations. */
export const DURATION_HINT = "must be milliseconds or a string like '500ms', '5s', '30m', '2h', '7d'"

export function durationCheck(value: unknown): value is Duration {
  return isDuration(value)
}
