import { OutboxTransactionError } from '../../core/errors.js'
import { kyselyOn } from './connection-kysely.js'
import { capitalised, hasFunction, type OutboxConnection, type RecognisedHandle, type Rows } from './outbox-connection.js'

/**
 * What hookrelay needs of a `pg` `Client` or a client checked out of a `pg.Pool`: `query`, and
 * `getTransactionStatus()` (pg 8.15 and later; `'T'` inside a transaction) where there is one.
 */
export interface PgClientLike {
  query(text: string, values: unknown[]): Promise<{ rows: unknown[] }>
  getTransactionStatus?(): string | null
}

/** A `pg.Pool`: it has `connect()` and counts its clients. */
export function isPgPool(value: unknown): boolean {
  return hasFunction(value, 'connect') && hasFunction(value, 'query') && 'totalCount' in value && 'idleCount' in value
}

/** A `pg` `Client` or pool client (not a pool): `query`, `connect`, and pg's connection parameters or transaction status. */
export function isPgClient(value: unknown): value is PgClientLike {
  return (
    hasFunction(value, 'query') &&
    hasFunction(value, 'connect') &&
    ('connectionParameters' in value || hasFunction(value, 'getTransactionStatus')) &&
    !isPgPool(value)
  )
}

const HOW = "run `await client.query('BEGIN')` on it, `await relay.send(event, { transaction: client })`, then COMMIT"

/** Throws unless the client's last answer said it is inside a transaction; `undefined` when this pg cannot tell. */
function checkStatus(client: PgClientLike, name: string): boolean | undefined {
  const status = hasFunction(client, 'getTransactionStatus') ? client.getTransactionStatus() : undefined
  if (status === 'T') return true
  if (status === 'I') {
    throw new OutboxTransactionError('NOT_IN_TRANSACTION', `${capitalised(name)} has no open transaction: ${HOW}.`)
  }
  if (status === 'E') throw failedTransaction(name)
  return undefined
}

/** The caller's transaction failed earlier: Postgres refuses every statement until ROLLBACK. */
export function failedTransaction(name: string): OutboxTransactionError {
  return new OutboxTransactionError(
    'NOT_IN_TRANSACTION',
    `The transaction of ${name} has failed (an earlier statement raised an error), so nothing more can be written in it: ROLLBACK it, then begin again.`,
  )
}

/**
 * Postgres' answer to a statement in a failed transaction (SQLSTATE 25P02). pg rejects a failed
 * query before the server's next ReadyForQuery updates the client's status, so a send right after
 * an error can still see `'T'`: the server's answer is mapped to the same error.
 */
export function isFailedTransactionError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && Reflect.get(error, 'code') === '25P02'
}

/** The client as hookrelay writes on it: every statement first checks the transaction is still open. */
function pgClientConnection(client: PgClientLike, name: string): OutboxConnection {
  let confirmed = false
  return {
    async execute(text: string, params: readonly unknown[]): Promise<Rows> {
      if (checkStatus(client, name) === undefined && !confirmed) {
        // pg before 8.15 does not track the status. Inside BEGIN … the statement is not the
        // transaction's first, so its start time differs from the transaction's.
        const { rows } = await query(client, name, 'select transaction_timestamp() <> statement_timestamp() as open', [])
        if ((rows[0] as { open?: unknown } | undefined)?.open !== true) {
          throw new OutboxTransactionError('NOT_IN_TRANSACTION', `${capitalised(name)} has no open transaction: ${HOW}.`)
        }
        confirmed = true
      }
      return (await query(client, name, text, [...params])).rows as Rows
    },
  }
}

async function query(client: PgClientLike, name: string, text: string, params: unknown[]): Promise<{ rows: unknown[] }> {
  try {
    return await client.query(text, params)
  } catch (error) {
    throw isFailedTransactionError(error) ? failedTransaction(name) : error
  }
}

/** `value` as a caller's `pg` client, if it is one; `name` is how errors call it. */
export function recognisePgClient(value: unknown, name = 'a pg client'): RecognisedHandle | undefined {
  if (!isPgClient(value)) return undefined
  return {
    name,
    database: 'postgres',
    open() {
      checkStatus(value, name)
      const connection = pgClientConnection(value, name)
      return { db: kyselyOn(connection, 'postgres'), connection }
    },
  }
}

/** A `pg.Pool` is refused with what to pass instead: a pool cannot hold a transaction. */
export function recognisePgPool(value: unknown): RecognisedHandle | undefined {
  if (!isPgPool(value)) return undefined
  return {
    name: 'a pg Pool',
    database: 'postgres',
    open() {
      throw new OutboxTransactionError(
        'NOT_IN_TRANSACTION',
        'A pg Pool runs each query on whichever client is free, so it cannot hold a transaction: ' +
          "check a client out (`const client = await pool.connect()`), `await client.query('BEGIN')`, pass `client`, then COMMIT and `client.release()`.",
      )
    },
  }
}
