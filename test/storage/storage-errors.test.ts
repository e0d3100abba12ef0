import { describe, expect, it } from 'vitest'
import { HookrelayError, StorageUnavailableError } from '../../src/index.js'
import { isConnectionLoss, throwActionable } from '../../src/storage/storage-errors.js'

const pgError = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code })

describe('a lost database connection', () => {
  it('is told apart from a failed statement by SQLSTATE or by what the driver says', () => {
    expect(isConnectionLoss(pgError('terminating connection due to administrator command', '57P01'))).toBe(true)
    expect(isConnectionLoss(pgError('the database system is starting up', '57P03'))).toBe(true)
    expect(isConnectionLoss(pgError('connection failure', '08006'))).toBe(true)
    expect(isConnectionLoss(pgError('Client has encountered a connection error and is not queryable'))).toBe(true)
    expect(isConnectionLoss(pgError('connect ECONNREFUSED 127.0.0.1:5432'))).toBe(true)
    expect(isConnectionLoss(pgError('duplicate key value violates unique constraint', '23505'))).toBe(false)
    expect(isConnectionLoss(pgError('relation "hookrelay_messages" does not exist', '42P01'))).toBe(false)
    expect(isConnectionLoss('ECONNRESET')).toBe(false)
  })

  it('is rethrown as a retryable StorageUnavailableError keeping the driver error as cause; anything else as is', () => {
    const lost = pgError('Connection terminated unexpectedly')
    let thrown: unknown
    try {
      throwActionable(lost, 'send()')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(StorageUnavailableError)
    expect(thrown).toBeInstanceOf(HookrelayError)
    expect(thrown).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true, cause: lost })
    expect((thrown as Error).message).toMatch(/^send\(\) failed because the database connection was lost.*retry it/)
    const bug = new TypeError('x is undefined')
    expect(() => throwActionable(bug, 'send()')).toThrow(bug)
  })
})

describe('a database without hookrelay tables', () => {
  it('is reported as NotMigratedError, with the fix in the message', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { createRelay, sqliteStorage, NotMigratedError } = await import('../../src/index.js')
    const dir = await mkdtemp(join(tmpdir(), 'hookrelay-unmigrated-'))
    const relay = createRelay({ storage: sqliteStorage({ filename: join(dir, 'empty.db') }), logger: false })
    try {
      const failure = await relay.send({ type: 'order.created', data: {} }).catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(NotMigratedError)
      expect(failure).toMatchObject({ code: 'NOT_MIGRATED' })
      expect((failure as Error).message).toMatch(/hookrelay's tables are not in this database.*relay\.migrate\(\).*npx hookrelay migrate/s)
    } finally {
      await relay.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('send() options', () => {
  it('refuses an event field given as an option instead of ignoring it', async () => {
    const { createRelay, sqliteStorage, ValidationError } = await import('../../src/index.js')
    const relay = createRelay({ storage: sqliteStorage({ filename: ':memory:' }), logger: false })
    try {
      const failure = await relay
        .send({ type: 'order.created', data: {} }, { idempotencyKey: 'k1' } as never)
        .catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(ValidationError)
      expect((failure as Error).message).toBe('Unknown send() option idempotencyKey. idempotencyKey belongs in the event: send({ type, data, idempotencyKey }).')
      const other = await relay.sendMany([{ type: 'a', data: {} }], { retries: 3 } as never).catch((error: unknown) => error)
      expect((other as Error).message).toMatch(/Unknown send\(\) option retries\. The only send\(\) option is transaction\./)
    } finally {
      await relay.stop()
    }
  })
})
