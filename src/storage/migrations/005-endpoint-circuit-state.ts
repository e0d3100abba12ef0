import type { Kysely } from 'kysely'
import type { Migration } from './migration.js'

/**
 * Where an endpoint's circuit stands, for every process: `circuit_open_until` is set when a worker
 * opens the circuit (the time it may go half-open) and cleared when a probe closes it. Processes
 * that run no workers (a web or admin process, the CLI) report the circuit from it.
 */
export const endpointCircuitState: Migration = {
  name: '005-endpoint-circuit-state',
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('endpoints').addColumn('circuit_open_until', 'bigint').execute()
  },
}
