import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorLogger } from '../../src/core/error-logger.js'
import { createRelay, sqliteStorage, ValidationError, type Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'

/** A logger that keeps what it was told. */
function recorder() {
  const lines: { message: string; error: unknown }[] = []
  return { lines, logger: { error: (message: string, error?: unknown) => void lines.push({ message, error }) } }
}

describe('errors nobody listens to', () => {
  it('are reported once per context per minute, saying how many were held back', () => {
    let now = 0
    const { lines, logger } = recorder()
    const errors = new ErrorLogger(logger, () => now)
    const failure = Object.assign(new Error('no such table: hookrelay_deliveries'), { code: 'SQLITE_ERROR' })
    for (let i = 0; i < 50; i++) errors.log({ error: failure, context: 'dispatcher.claim' })
    errors.log({ error: new Error('connection refused'), context: 'queue.listen' })
    expect(lines.map((l) => l.message)).toEqual([
      expect.stringContaining('hookrelay: dispatcher.claim: [SQLITE_ERROR] no such table: hookrelay_deliveries'),
      expect.stringContaining('hookrelay: queue.listen: connection refused'),
    ])
    expect(lines[0]!.error).toBe(failure)

    now = 60_000
    errors.log({ error: failure, context: 'dispatcher.claim' })
    expect(lines).toHaveLength(3)
    expect(lines[2]!.message).toContain('(49 more in dispatcher.claim since the last report)')
  })

  it('are silent with logger: false, and a logger that throws does not break the caller', () => {
    const silent = new ErrorLogger(false, () => 0)
    expect(() => silent.log({ error: new Error('x'), context: 'c' })).not.toThrow()
    const throwing = new ErrorLogger({ error: () => { throw new Error('broken logger') } }, () => 0)
    expect(() => throwing.log({ error: new Error('x'), context: 'c' })).not.toThrow()
  })
})

describe('a relay whose database is not usable', () => {
  const relays: Relay[] = []
  const dirs: string[] = []
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop()
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  async function unmigratedRelay(logger?: { error: (message: string, error?: unknown) => void } | false) {
    const dir = await mkdtemp(join(tmpdir(), 'hookrelay-logger-'))
    dirs.push(dir)
    const relay = createRelay({
      storage: sqliteStorage({ filename: join(dir, 'empty.db') }),
      delivery: { pollInterval: '20ms' },
      ...(logger === undefined ? {} : { logger }),
    })
    relays.push(relay)
    // Workers on tables that do not exist: every claim fails.
    await relay.start({ migrate: false })
    return relay
  }

  it('speaks through the logger when the app has no error listener', async () => {
    const { lines, logger } = recorder()
    await unmigratedRelay(logger)
    await eventually(() => expect(lines.some((l) => l.message.includes('dispatcher.claim'))).toBe(true))
    expect(lines.filter((l) => l.message.includes('dispatcher.claim'))).toHaveLength(1)
  })

  it('leaves errors to the app once it listens to error', async () => {
    const { lines, logger } = recorder()
    const relay = await unmigratedRelay(logger)
    const heard: string[] = []
    relay.on('error', (event) => heard.push(event.context))
    await eventually(() => expect(heard).toContain('dispatcher.claim'))
    expect(lines).toEqual([])
  })

  it('refuses a logger without an error method', () => {
    expect(() => createRelay({ logger: {} as never })).toThrow(ValidationError)
    expect(() => createRelay({ logger: {} as never })).toThrow(/logger.*error\(\) method/s)
  })
})
