import { sql, type CreateIndexBuilder } from 'kysely'
import type { MigrationContext } from './migration.js'

/**
 * `index … where <predicate>` where the database has partial indexes (SQLite, Postgres), the whole
 * index elsewhere (MySQL). `predicate` is raw SQL shared with the queries that must match it (see
 * `sql/claimable.ts`): use `index.$call((b) => partialIndex(b, CLAIMABLE_DELIVERY, context))`.
 */
export function partialIndex<C extends string>(
  index: CreateIndexBuilder<C>,
  predicate: string,
  context: MigrationContext,
): CreateIndexBuilder<C> {
  return context.dialect.capabilities.partialIndexes ? index.where(sql<boolean>`${sql.raw(predicate)}`) : index
}
