import { OutboxTransactionError } from '../../core/errors.js'
import { recogniseBetterSqlite3 } from './better-sqlite3-transaction.js'
import { recogniseDrizzle } from './drizzle-transaction.js'
import { recogniseKnex } from './knex-transaction.js'
import { recogniseKysely } from './kysely-transaction.js'
import type { OutboxTarget, RecognisedHandle } from './outbox-connection.js'
import { recognisePgClient, recognisePgPool } from './pg-client-transaction.js'

/** Every kind of handle `send(event, { transaction })` takes, tried in this order (Knex's is a function, so it goes first). */
const KINDS: readonly ((value: unknown) => RecognisedHandle | undefined)[] = [
  recogniseKnex,
  recogniseKysely,
  recogniseDrizzle,
  (value) => recogniseBetterSqlite3(value),
  recognisePgPool,
  (value) => recognisePgClient(value),
]

const DATABASE_NAMES: Readonly<Record<string, string>> = { postgres: 'Postgres', sqlite: 'SQLite', mysql: 'MySQL' }

/** What to pass, per storage database. */
const WHAT_TO_PASS: Readonly<Record<string, string>> = {
  postgres: 'a Kysely, Drizzle (node-postgres) or Knex transaction, or a pg client (or pool client) on which you ran BEGIN',
  sqlite:
    'a Kysely, Drizzle (better-sqlite3) or Knex (better-sqlite3) transaction, or a better-sqlite3 Database inside a transaction, on the same database file',
  mysql: 'a Kysely transaction',
}

/** `'a string'`, `'an object (Pool)'`: what was passed, without its content. */
function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object' && typeof value !== 'function') return `a ${typeof value}`
  const owner: unknown = Reflect.get(value, 'constructor')
  const name: unknown = typeof owner === 'function' ? owner.name : undefined
  return `${typeof value === 'function' ? 'a function' : 'an object'}${typeof name === 'string' && name !== '' && name !== 'Object' ? ` (${name})` : ''}`
}

/**
 * Maps the `transaction` given to `send()` onto what the storage writes on, or throws an
 * `OutboxTransactionError` that says what to pass instead: for a handle of no known kind, one on
 * another database than the storage's (`storageDatabase`), or one with no open transaction.
 * Synchronous except where the handle only gives its connection asynchronously (Knex).
 */
export function openOutboxTransaction(handle: unknown, storageDatabase: string): OutboxTarget | Promise<OutboxTarget> {
  let recognised: RecognisedHandle | undefined
  for (const kind of KINDS) if ((recognised = kind(handle))) break
  const what = WHAT_TO_PASS[storageDatabase] ?? WHAT_TO_PASS.mysql!
  if (!recognised) {
    throw new OutboxTransactionError('UNSUPPORTED_TRANSACTION', `The transaction given to send() must be ${what}; got ${describe(handle)}.`)
  }
  if (recognised.database !== undefined && recognised.database !== storageDatabase) {
    throw new OutboxTransactionError(
      'WRONG_DATABASE',
      `The transaction given to send() is ${recognised.name} on ${DATABASE_NAMES[recognised.database]}, but this relay stores its ` +
        `messages in ${DATABASE_NAMES[storageDatabase] ?? storageDatabase}: pass ${what}.`,
    )
  }
  return recognised.open()
}
