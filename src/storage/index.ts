export { KyselyStorage, type KyselyStorageOptions } from './kysely/kysely-storage.js'
export { postgresStorage, type PgPoolLike, type PostgresStorageOptions } from './dialect/postgres/postgres-storage.js'
export { sqliteStorage, type BetterSqlite3DatabaseLike, type SqliteStorageOptions } from './dialect/sqlite/sqlite-storage.js'
export { mysqlStorage, type MysqlPoolLike, type MysqlStorageOptions } from './dialect/mysql/mysql-storage.js'
export type { StorageDialect } from './dialect/dialect.js'
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
  EndpointStore,
  Outbox,
  DeliveryQueueStore,
  DeliveryLog,
  InboundStore,
  OperatorQueries,
} from './storage.js'
export { sqliteDialect } from './dialect/sqlite/sqlite-dialect.js'
export { postgresDialect } from './dialect/postgres/postgres-dialect.js'
export { mysqlDialect } from './dialect/mysql/mysql-dialect.js'
