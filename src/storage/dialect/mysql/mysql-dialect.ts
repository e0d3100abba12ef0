import type { InsertQueryBuilder, Kysely, SelectQueryBuilder } from 'kysely'
import { CLAIM_DUE_COLUMN } from '../../sql/claimable.js'
import type { BatchColumns, StorageDialect } from '../dialect.js'
import { withMysqlMigrationLock } from './mysql-migration-lock.js'

/**
 * MySQL 8.0.1+ and MariaDB 10.6+: `SKIP LOCKED` claims, but no `UPDATE … RETURNING` (claims run
 * in steps), no partial indexes (the claim index is on a generated column), `ON DUPLICATE KEY`
 * instead of `ON CONFLICT`, `UPDATE … JOIN` instead of `UPDATE … FROM`, backticks, and DDL that
 * commits as it goes (migrations are made safe to re-run; see `mysql-migration-lock.ts`).
 *
 * Parameters are `?`, which mysql2 fills in on the client: an array becomes a list (`'a', 'b'`),
 * which is how `inList` passes a list of ids.
 */
export const mysqlDialect: StorageDialect = Object.freeze({
  name: 'mysql',

  capabilities: Object.freeze({ returning: false, partialIndexes: false, skipLocked: true, transactionalDdl: false, jsonpath: false }),

  // MySQL cannot index `text`; 191 characters of utf8mb4 fit the 767-byte key prefix of old row formats.
  keyTextType: 'varchar(191)',

  quote(identifier: string): string {
    return `\`${identifier.replaceAll('`', '``')}\``
  },

  insertIgnoringConflicts(table: string, columns: readonly string[], values: string, conflictColumns: readonly string[]): string {
    // Not INSERT IGNORE, which also turns bad values and foreign-key failures into warnings.
    const first = conflictColumns[0]!
    return `insert into ${table} (${columns.join(', ')}) values ${values} on duplicate key update ${first} = ${first}`
  },

  async insertIfAbsent(insert: InsertQueryBuilder<any, any, any>, _conflictColumn: string): Promise<boolean> {
    // The affected-row count tells an insert (1) from a skipped duplicate (0); ON DUPLICATE KEY
    // UPDATE cannot, since mysql2 counts matched rows (FOUND_ROWS). The row is fully typed by
    // hookrelay, so IGNORE can only be skipping the duplicate key here.
    const result = await insert.ignore().executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
  },

  unindexed(column: string): string {
    return `concat(${column}, '')`
  },

  lockClaimQuery<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
    return query.forUpdate().skipLocked()
  },

  claimDue(_claimable: string, bound: string): { where: string; orderBy: string } {
    return { where: `${CLAIM_DUE_COLUMN} <= ${bound}`, orderBy: CLAIM_DUE_COLUMN }
  },

  parameter(): string {
    return '?'
  },

  batch(columns: BatchColumns, rows: number): string {
    const names = Object.keys(columns)
    const first = `select ${names.map((name) => `? as ${name}`).join(', ')}`
    const next = ` union all select ${names.map(() => '?').join(', ')}`
    return `(${first}${next.repeat(rows - 1)}) as v`
  },

  batchParameters(columns: BatchColumns, rows: readonly Readonly<Record<string, unknown>>[]): unknown[] {
    const names = Object.keys(columns)
    const params: unknown[] = []
    for (const row of rows) for (const name of names) params.push(row[name] ?? null)
    return params
  },

  updateFrom(table: string, alias: string, assignments: readonly (readonly [string, string])[], source: string, where: string): string {
    // Targets are qualified: the batch `v` has columns of the same names.
    const set = assignments.map(([column, value]) => `${alias}.${column} = ${value}`).join(', ')
    return `update ${table} as ${alias} join ${source} on ${where} set ${set}`
  },

  claimLimit(): string {
    return '?'
  },

  pickedBy(select: string): string {
    // Unused: without RETURNING a claim runs in steps (see `sql/claim-steps.ts`).
    return `in (${select})`
  },

  inList(): string {
    return 'in (?)'
  },

  listParameter(values: readonly string[]): unknown {
    // mysql2 writes an array as `'a', 'b'`; an empty list would be `in ()`, so it holds a value no id has.
    return values.length > 0 ? [...values] : ['']
  },

  claimReturnsRelated: false,

  withMigrationLock(db: Kysely<any>, migrate: (tx: Kysely<any>) => Promise<void>): Promise<void> {
    return withMysqlMigrationLock(db, migrate)
  },
})
