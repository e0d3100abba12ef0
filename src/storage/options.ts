import type { z } from 'zod'
import { ValidationError } from '../core/errors.js'

/** Parses factory options with `schema` or throws a `ValidationError` listing every problem. */
export function parseOptions<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => ({ path: issue.path, message: issue.message }))
  const lines = issues.map((i) => `  - ${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
  throw new ValidationError(`Invalid ${what}:\n${lines.join('\n')}`, issues)
}

