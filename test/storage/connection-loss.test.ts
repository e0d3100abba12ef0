import { describe, expect, it } from 'vitest'
import { HookrelayError, StorageUnavailableError } from '../../src/index.js'
import { isConnectionLoss, rethrowConnectionLoss } from '../../src/storage/connection-loss.js'

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
      rethrowConnectionLoss(lost, 'send()')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(StorageUnavailableError)
    expect(thrown).toBeInstanceOf(HookrelayError)
    expect(thrown).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true, cause: lost })
    expect((thrown as Error).message).toMatch(/^send\(\) failed because the database connection was lost.*retry it/)
    const bug = new TypeError('x is undefined')
    expect(() => rethrowConnectionLoss(bug, 'send()')).toThrow(bug)
  })
})
