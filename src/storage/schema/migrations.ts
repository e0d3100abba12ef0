import type { Millis } from './time.js'

/** The applied migrations, by name. */
export interface MigrationsTable {
  name: string
  applied_at: Millis
}
