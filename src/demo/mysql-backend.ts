/**
 * `--mysql URL`: the demo on MySQL or MariaDB, in a fresh database created for the run (a table
 * prefix per relay) and dropped at the end. Workers poll: MySQL has no wake-ups.
 */
import { randomBytes } from 'node:crypto'
import { mysqlStorage } from '../index.js'
import { redact, type Backend } from './backend.js'

/** Checks the server answers and creates the run's database before anything starts. */
export async function mysqlBackend(mysqlUrl: string): Promise<Backend> {
  const database = `hookrelay_demo_${randomBytes(4).toString('hex')}`
  const mysql = (await import('mysql2/promise')).default
  let admin: Awaited<ReturnType<typeof mysql.createConnection>>
  try {
    admin = await mysql.createConnection({ uri: mysqlUrl, connectTimeout: 5_000 })
    await admin.query(`create database \`${database}\` character set utf8mb4`)
  } catch (error) {
    throw new Error(`Cannot reach MySQL at ${redact(mysqlUrl)}: ${(error as Error).message}`)
  }
  const url = new URL(mysqlUrl)
  url.pathname = `/${database}`
  return {
    kind: 'mysql',
    facts: [
      ['storage', `MySQL ${redact(mysqlUrl)}, fresh database "${database}" (dropped at the end), a table prefix per relay`],
      ['queue', 'storage polling (MySQL has no wake-ups)'],
    ],
    parts: (name) => ({ storage: mysqlStorage({ connectionString: url.toString(), tablePrefix: `${name}_`, max: 8 }) }),
    async cleanup() {
      try {
        await admin.query(`drop database if exists \`${database}\``)
      } finally {
        await admin.end().catch(() => undefined)
      }
      return `dropped database ${database}`
    },
  }
}
