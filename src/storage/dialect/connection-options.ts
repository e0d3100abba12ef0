import type { z } from 'zod'

/**
 * Refines a storage factory's options so that exactly one way to reach the database is given
 * (`keys`, e.g. connectionString, pool, db), and `max` (the size of the pool hookrelay creates)
 * only with one hookrelay creates the pool from (`createsPool`).
 *
 * @example optionsSchema.superRefine(oneConnectionSource(['connectionString', 'pool'], ['connectionString']))
 */
export function oneConnectionSource<K extends string>(keys: readonly K[], createsPool: readonly K[]) {
  return (options: Partial<Record<K, unknown>> & { max?: number | undefined }, ctx: z.RefinementCtx): void => {
    const given = keys.filter((key) => options[key] !== undefined)
    if (given.length !== 1) {
      const choices = `${keys.slice(0, -1).join(', ')} or ${keys.at(-1)}`
      ctx.addIssue({
        code: 'custom',
        path: given.length > 1 ? [given[1]!] : [],
        message: given.length === 0 ? `pass one of ${choices}` : `pass only one of ${choices} (got ${given.join(' and ')})`,
      })
    }
    if (options.max !== undefined && !createsPool.some((key) => options[key] !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'max only applies to the pool created from connectionString' })
    }
  }
}
