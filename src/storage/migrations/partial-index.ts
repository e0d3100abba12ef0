import { sql, type CreateIndexBuilder, type CreateTableBuilder } from 'kysely'
import { CLAIM_DUE_COLUMN } from '../sql/claimable.js'
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

/**
 * Where partial indexes are missing, adds to a table being created the generated column
 * `claim_due_at`: `next_attempt_at` while `claimable` holds, `null` otherwise (stored, so it can
 * be indexed on MySQL and MariaDB alike). Elsewhere the table is left as it is.
 */
export function withClaimDueColumn<T extends string, C extends string>(
  table: CreateTableBuilder<T, C>,
  claimable: string,
  context: MigrationContext,
): CreateTableBuilder<T, C | typeof CLAIM_DUE_COLUMN> {
  if (context.dialect.capabilities.partialIndexes) return table
  return table.addColumn(CLAIM_DUE_COLUMN, 'bigint', (c) =>
    c.generatedAlwaysAs(sql`case when ${sql.raw(claimable)} then next_attempt_at end`).stored(),
  )
}

/** The column of a claim index: `next_attempt_at` in a partial index, else `claim_due_at` (see above). */
export function claimIndexColumn(context: MigrationContext): string {
  return context.dialect.capabilities.partialIndexes ? 'next_attempt_at' : CLAIM_DUE_COLUMN
}
