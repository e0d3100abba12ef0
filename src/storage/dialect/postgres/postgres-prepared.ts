import type { PostgresPool } from 'kysely'
import type { RunPrepared } from './postgres-store-messages.js'

/** What a `pg` pool client offers for a named (prepared) statement. */
interface PreparingClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>
  release(destroy?: boolean): void
}

/** A Postgres error has a 5-character SQLSTATE; a lost connection does not, and is not reused. */
function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)
}

/**
 * Named statements on clients of `pool` (hookrelay's guarded pool, so each has an `error`
 * listener): `pg` prepares a name once per connection and then only binds and executes it.
 */
export function preparedRunner(pool: PostgresPool): RunPrepared {
  return async (name, text, values) => {
    const client = (await pool.connect()) as unknown as PreparingClient
    let broken = false
    try {
      return (await client.query({ name, text, values: [...values] })).rows
    } catch (error) {
      broken = !isServerError(error)
      throw error
    } finally {
      client.release(broken)
    }
  }
}
