/**
 * Run in a child process by the migration contract suite: migrates one storage and exits, so
 * several processes can race on the same database as they would in production.
 * Usage: node --import tsx migrate-child.ts <sqlite|postgres|mysql> <file|schema|url> <tablePrefix>
 */
import { postgresStorage } from '../../src/storage/dialect/postgres/postgres-storage.js'
import { sqliteStorage } from '../../src/storage/dialect/sqlite/sqlite-storage.js'
import { mysqlStorage } from '../../src/storage/dialect/mysql/mysql-storage.js'
import { POSTGRES_URL } from '../support/urls.js'

const [dialect, location, tablePrefix] = process.argv.slice(2)
if (!dialect || !location || tablePrefix === undefined) throw new Error('usage: migrate-child <dialect> <location> <prefix>')

const storage =
  dialect === 'sqlite'
    ? sqliteStorage({ filename: location, tablePrefix })
    : dialect === 'mysql'
      ? mysqlStorage({ connectionString: location, tablePrefix })
      : postgresStorage({ connectionString: POSTGRES_URL, schema: location, tablePrefix })
await storage.migrate()
await storage.close()
