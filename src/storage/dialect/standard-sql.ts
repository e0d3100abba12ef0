import type { InsertQueryBuilder } from 'kysely'
import type { StorageDialect } from './dialect.js'

/**
 * The parts of a dialect SQLite and Postgres write alike (`ON CONFLICT`, `RETURNING`,
 * `UPDATE … FROM`, `||`); a database that differs (MySQL) writes its own.
 */
export const standardSql = Object.freeze({
  insertIgnoringConflicts(table: string, columns: readonly string[], values: string, conflictColumns: readonly string[]): string {
    return `insert into ${table} (${columns.join(', ')}) values ${values} on conflict (${conflictColumns.join(', ')}) do nothing`
  },

  async insertIfAbsent(insert: InsertQueryBuilder<any, any, any>, conflictColumn: string): Promise<boolean> {
    const row = await insert
      .onConflict((oc) => oc.column(conflictColumn).doNothing())
      .returning(conflictColumn)
      .executeTakeFirst()
    return row !== undefined
  },

  unindexed(column: string): string {
    return `${column} || ''`
  },

  claimDue(claimable: string, bound: string): { where: string; orderBy: string } {
    return { where: `${claimable} and next_attempt_at <= ${bound}`, orderBy: 'next_attempt_at' }
  },

  updateFrom(table: string, alias: string, assignments: readonly (readonly [string, string])[], source: string, where: string): string {
    const set = assignments.map(([column, value]) => `${column} = ${value}`).join(', ')
    return `update ${table} as ${alias} set ${set} from ${source} where ${where}`
  },
} satisfies Partial<StorageDialect>)
