export { KyselyStorage, type KyselyStorageOptions } from './kysely-storage.js'
export { postgresStorage, type PgPoolLike, type PostgresStorageOptions } from './postgres-storage.js'
export { sqliteStorage, type BetterSqlite3DatabaseLike, type SqliteStorageOptions } from './sqlite-storage.js'
export type { StorageDialect } from './dialect.js'
export type {
  AttemptFilter,
  ClaimedDelivery,
  ClaimOptions,
  DeliveryFilter,
  DeliverySettlement,
  EndpointFilter,
  EndpointHealthUpdate,
  EndpointPatch,
  InboundFilter,
  InboundSettlement,
  Page,
  PageOptions,
  Storage,
  StorageTransaction,
} from './storage.js'
export { sqliteDialect } from './sqlite-dialect.js'
export { postgresDialect } from './postgres-dialect.js'
