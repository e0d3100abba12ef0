import { sql } from 'kysely'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { describeEachStorage, postgresTarget } from '../support/storages.js'
import { migrations } from '../../src/storage/migrations/index.js'
import { anEndpoint } from './fixtures.js'

const MIGRATION_NAMES = migrations.map((m) => m.name)

const CHILD = fileURLToPath(new URL('./migrate-child.ts', import.meta.url))

async function migrateInChildProcess(dialect: string, location: string, prefix: string): Promise<void> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, dialect, location, prefix], { timeout: 20_000 })
}

const LOGICAL_TABLES = ['attempts', 'deliveries', 'endpoints', 'inbound_messages', 'messages', 'migrations']

describeEachStorage('storage migrations', ({ env, storage, target }) => {
  it('creates every table with the default prefix hookrelay_', async () => {
    const tables = await env().listTables()
    for (const table of LOGICAL_TABLES) expect(tables).toContain(`hookrelay_${table}`)
  })

  it('gives every index the table prefix', async () => {
    const indexes = await env().listIndexes()
    expect(indexes).toEqual(
      expect.arrayContaining([
        'hookrelay_deliveries_claim_idx',
        'hookrelay_deliveries_endpoint_history_idx',
        'hookrelay_deliveries_message_idx',
        'hookrelay_attempts_delivery_idx',
        'hookrelay_inbound_messages_claim_idx',
      ]),
    )
    // SQLite's automatic indexes, and MySQL's (of a foreign key or unique column, named after the column) are not named by us.
    const ours = indexes.filter((name) => !name.startsWith('sqlite_') && !/^(delivery_id|message_id|idempotency_scope)$/.test(name))
    for (const name of ours) expect(name.startsWith('hookrelay_')).toBe(true)
  })

  it('records applied migrations, and migrating again is a no-op', async () => {
    const db = env().inSchema(storage().db)
    const before = await db.selectFrom(storage().tableName('migrations')).selectAll().execute()
    expect(before.map((row) => row.name)).toEqual(MIGRATION_NAMES)

    await storage().migrate()
    await storage().migrate()

    const after = await db.selectFrom(storage().tableName('migrations')).selectAll().execute()
    expect(after).toEqual(before)
  })

  it('keeps data when migrate() runs again', async () => {
    const endpoint = anEndpoint()
    await storage().insertEndpoint(endpoint)
    await storage().migrate()
    expect(await storage().getEndpoint(endpoint.id)).toEqual(endpoint)
  })

  it('lets several processes migrate the same database at once', async () => {
    const prefix = `procs_${target.name}_`
    await Promise.all([1, 2, 3].map(() => migrateInChildProcess(target.dialect, env().location, prefix)))

    const tables = await env().listTables()
    for (const table of LOGICAL_TABLES) expect(tables).toContain(`${prefix}${table}`)
    const check = env().createStorage({ tablePrefix: prefix })
    const applied = await env().inSchema(check.db).selectFrom(`${prefix}migrations`).selectAll().execute()
    expect(applied.map((row) => row.name)).toEqual(MIGRATION_NAMES)
    await check.migrate()
    const endpoint = anEndpoint()
    await check.insertEndpoint(endpoint)
    expect(await check.getEndpoint(endpoint.id)).toEqual(endpoint)
  })

  // Postgres only: on SQLite one process keeps one storage per file (see docs/storage.md), and
  // concurrent migrations across processes are covered by the test above for both databases.
  it.runIf(target.dialect === 'postgres')('lets several storages in one process migrate at once', async () => {
    const prefix = `concurrent_${target.name}_`
    const storages = [1, 2, 3].map(() => env().createStorage({ tablePrefix: prefix }))
    await Promise.all(storages.map((s) => s.migrate()))

    const tables = await env().listTables()
    for (const table of LOGICAL_TABLES) expect(tables).toContain(`${prefix}${table}`)
    const applied = await env().inSchema(storages[0]!.db).selectFrom(`${prefix}migrations`).selectAll().execute()
    expect(applied).toHaveLength(MIGRATION_NAMES.length)

    const endpoint = anEndpoint()
    await storages[1]!.insertEndpoint(endpoint)
    expect(await storages[2]!.getEndpoint(endpoint.id)).toEqual(endpoint)
  })

  it('honours a custom table prefix and keeps prefixed storages apart', async () => {
    const custom = env().createStorage({ tablePrefix: 'acme_wh_' })
    await custom.migrate()
    const tables = await env().listTables()
    for (const table of LOGICAL_TABLES) expect(tables).toContain(`acme_wh_${table}`)
    expect(await env().listIndexes()).toContain('acme_wh_deliveries_claim_idx')

    const endpoint = anEndpoint()
    await custom.insertEndpoint(endpoint)
    expect(await custom.getEndpoint(endpoint.id)).toEqual(endpoint)
    expect(await storage().getEndpoint(endpoint.id)).toBeUndefined()
  })

  it('reports which database it runs on', () => {
    expect(storage().dialect).toBe(target.dialect)
  })
})

describeEachStorage(
  'postgres schema',
  ({ env, storage }) => {
    it('creates the tables in the configured schema, creating the schema if missing', async () => {
      const rows = await sql<{ table_schema: string; table_name: string }>`
        select table_schema, table_name from information_schema.tables
        where table_name = 'hookrelay_deliveries' and table_schema = ${env().location}`.execute(storage().db)
      expect(rows.rows).toHaveLength(1)
    })

    it('does not create tables in public', async () => {
      const rows = await sql<{ table_name: string }>`
        select table_name from information_schema.tables
        where table_schema = 'public' and table_name like ${`%${env().location}%`}`.execute(storage().db)
      expect(rows.rows).toHaveLength(0)
    })
  },
  [postgresTarget],
)
