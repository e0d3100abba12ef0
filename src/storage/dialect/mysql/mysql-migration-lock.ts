import { CompiledQuery, sql, type Kysely } from 'kysely'
import { HookrelayError } from '../../../core/errors.js'
import { MysqlDdlPlugin } from './mysql-ddl-plugin.js'

/** Marks the statements that open and close a migration on a connection (see `mysql-kysely.ts`). */
export const MIGRATION_BEGIN = '/* hookrelay:migration-begin */'
export const MIGRATION_END = '/* hookrelay:migration-end */'

/** How long a process waits for another one's migration before giving up, in seconds. */
const LOCK_WAIT_SECONDS = 120

/**
 * Runs `migrate` on one connection holding `GET_LOCK('hookrelay_migrate:<database>')`, so two
 * processes never migrate at once (the lock is the session's: a process killed mid-migration
 * drops it with its connection). MySQL commits each DDL statement on its own, so there is no
 * transaction: a migration interrupted by a crash is run again, and the connection, marked by the
 * lock statement, treats "already exists" errors (a table, column, index or row made by the run
 * that crashed) as done. DDL goes through `MysqlDdlPlugin` (`text` columns become `longtext`).
 */
export async function withMysqlMigrationLock(db: Kysely<any>, migrate: (tx: Kysely<any>) => Promise<void>): Promise<void> {
  await db.connection().execute(async (conn) => {
    const name = sql`left(concat('hookrelay_migrate:', database()), 64)`
    const { rows } = await conn.executeQuery<{ locked: number | null }>(
      sql`select get_lock(${name}, ${LOCK_WAIT_SECONDS}) as locked ${sql.raw(MIGRATION_BEGIN)}`.compile(conn),
    )
    if (Number(rows[0]?.locked) !== 1) {
      await conn.executeQuery(CompiledQuery.raw(`select 1 ${MIGRATION_END}`))
      throw new HookrelayError(
        'STORAGE_UNAVAILABLE',
        `mysqlStorage().migrate(): another process held the migration lock for ${LOCK_WAIT_SECONDS} s; retry when its migration is done.`,
      )
    }
    try {
      await migrate(conn.withPlugin(new MysqlDdlPlugin()))
    } finally {
      await conn.executeQuery(sql`select release_lock(${name}) ${sql.raw(MIGRATION_END)}`.compile(conn))
    }
  })
}
