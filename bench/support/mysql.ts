/** MySQL for the benchmarks (BENCH_MYSQL=1): reachability and cleanup of a target's tables. */
import mysql from 'mysql2/promise'
import { env } from './env.js'

export async function mysqlReachable(): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ uri: env.mysqlUrl, connectTimeout: 2_000 })
    await connection.end()
    return true
  } catch {
    return false
  }
}

/** Drops every table whose name starts with `prefix` in MYSQL_URL's database. */
export async function dropMysqlTables(prefix: string): Promise<void> {
  const connection = await mysql.createConnection({ uri: env.mysqlUrl })
  try {
    const [rows] = await connection.query(
      'select table_name as name from information_schema.tables where table_schema = database() and table_name like ?',
      [`${prefix.replaceAll('_', '\\_')}%`],
    )
    const names = (rows as { name: string }[]).map((r) => `\`${r.name}\``)
    if (names.length > 0) {
      await connection.query('set foreign_key_checks = 0')
      await connection.query(`drop table ${names.join(', ')}`)
    }
  } finally {
    await connection.end()
  }
}
