/**
 * The operator queries of `KyselyStorage` (bulk selection, statistics, endpoint health,
 * retention), kept apart from the delivery hot path. Each function takes the storage's own
 * prefixed Kysely. Written once for Postgres and SQLite; the only dialect question asked is the
 * row lock of `lockClaimQuery` (Postgres: `FOR UPDATE SKIP LOCKED`).
 */

export { whereDeliveries, selectDeliveryIds, whereInbound, selectInboundIds } from './kysely-admin-selection.js'
export { selectEndpointStats, selectRelayStats } from './kysely-admin-stats.js'
export {
  disableFailingEndpoints,
  purgeDeliveriesBatch,
  purgeMessagesBatch,
  purgeInboundBatch,
} from './kysely-admin-retention.js'
