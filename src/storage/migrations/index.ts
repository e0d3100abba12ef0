import { initial } from './001-initial.js'
import { operationsIndexes } from './002-operations-indexes.js'
import { hotPathIndexes } from './003-hot-path-indexes.js'
import { databaseIdentity } from './004-database-identity.js'
import { endpointCircuitState } from './005-endpoint-circuit-state.js'
import { endpointSoftDelete } from './006-endpoint-soft-delete.js'
import { endpointUid } from './007-endpoint-uid.js'
import { endpointFilter } from './009-endpoint-filter.js'
import { endpointNotifications } from './010-endpoint-notifications.js'
import { portalSessions } from './012-portal-sessions.js'
import { searchIndexes } from './013-search-indexes.js'
import { messageTrace } from './014-message-trace.js'
import { filterJsonpathType } from './015-filter-jsonpath-type.js'
import { finishedPartialIndexes } from './016-finished-partial-indexes.js'
import { messageSearchIndexes } from './017-message-search-indexes.js'
import { endpointDeliveriesIndex } from './018-endpoint-deliveries-index.js'
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
  endpointUid,
  endpointFilter,
  endpointNotifications,
  portalSessions,
  searchIndexes,
  messageTrace,
  filterJsonpathType,
  finishedPartialIndexes,
  messageSearchIndexes,
  endpointDeliveriesIndex,
])
