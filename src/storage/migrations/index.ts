import { initial } from './001-initial.js'
import { operationsIndexes } from './002-operations-indexes.js'
import { hotPathIndexes } from './003-hot-path-indexes.js'
import { databaseIdentity } from './004-database-identity.js'
import { endpointCircuitState } from './005-endpoint-circuit-state.js'
import { endpointSoftDelete } from './006-endpoint-soft-delete.js'
import { portalSessions } from './012-portal-sessions.js'
import { searchIndexes } from './013-search-indexes.js'
import type { Migration } from './migration.js'

export type { Migration, MigrationContext } from './migration.js'

/** Every migration, in the order they run. Append new ones; never reorder or edit shipped ones. */
export const migrations: readonly Migration[] = Object.freeze([
  initial,
  operationsIndexes,
  hotPathIndexes,
  databaseIdentity,
  endpointCircuitState,
  endpointSoftDelete,
  portalSessions,
  searchIndexes,
])
