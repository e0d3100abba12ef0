import type { StorageDialect } from '../../dialect/dialect.js'
import type { OperatorQueries } from '../../ports/operator-queries.js'
import type { Db } from '../kysely-storage-helpers.js'
import * as admin from './kysely-admin-queries.js'

/** The operators' bulk queries of `OperatorQueries` (its two stores aside). */
export type OperatorStatements = Omit<OperatorQueries, 'notices' | 'portalSessions'>

/** The operators' bulk queries bound to a storage's scoped connection and dialect. Never on the hot path. */
export function kyselyOperatorQueries(db: Db, dialect: StorageDialect): OperatorStatements {
  return {
    listDeliveryIds: (filter) => admin.selectDeliveryIds(db, filter),
    listInboundMessageIds: (filter) => admin.selectInboundIds(db, filter),
    endpointStats: (endpointId, window) => admin.selectEndpointStats(db, endpointId, window),
    relayStats: (window, now) => admin.selectRelayStats(db, window, now),
    disableFailingEndpoints: (failingBefore, reason, at) => admin.disableFailingEndpoints(db, dialect, failingBefore, reason, at),
    purgeDeliveries: (olderThan, limit) => admin.purgeDeliveriesBatch(db, dialect, olderThan, limit),
    purgeMessages: (olderThan, limit) => admin.purgeMessagesBatch(db, dialect, olderThan, limit),
    purgeInboundMessages: (olderThan, limit) => admin.purgeInboundBatch(db, dialect, olderThan, limit),
  }
}
