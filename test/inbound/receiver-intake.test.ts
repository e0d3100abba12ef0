import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createRelay, sqliteStorage, type Relay, type RelayOptions } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { standardRequest, STANDARD_SECRET } from './support/webhooks.js'

/** Relays on a SQLite file of their own, stopped and removed after each test. */
const opened: { relay: Relay; dir: string }[] = []
afterEach(async () => {
  for (const { relay, dir } of opened.splice(0)) {
    await relay.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})

async function relayOf(options: Partial<RelayOptions> = {}): Promise<Relay> {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-intake-'))
  const relay = createRelay({ storage: sqliteStorage({ filename: join(dir, 'relay.db') }), ...options })
  opened.push({ relay, dir })
  await relay.start()
  return relay
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000)

describe('a receiver taking webhooks in', () => {
  it("refuses a webhook signed longer ago than the receiver's tolerance, and takes it within it", async () => {
    const relay = await relayOf()
    const rejected: string[] = []
    relay.on('inbound.rejected', (event) => rejected.push(event.reason))
    const old = standardRequest({ at: minutesAgo(6) })

    const byDefault = relay.receiver({ name: 'default', secret: STANDARD_SECRET })
    expect((await byDefault.handle(old)).status).toBe(401)
    expect(rejected).toEqual(['TIMESTAMP_TOO_OLD'])
    expect((await byDefault.handle(standardRequest({ at: minutesAgo(4) }))).status).toBe(200)

    const lenient = relay.receiver({ name: 'lenient', secret: STANDARD_SECRET, tolerance: '10m' })
    expect((await lenient.handle(old)).status).toBe(200)
    expect((await lenient.handle(standardRequest({ at: minutesAgo(11) }))).status).toBe(401)

    const unchecked = relay.receiver({ name: 'unchecked', secret: STANDARD_SECRET, tolerance: false })
    expect((await unchecked.handle(standardRequest({ at: minutesAgo(60 * 24) }))).status).toBe(200)
    expect((await relay.inbound.list({ source: 'unchecked' })).data).toHaveLength(1)
  })

  it('runs a webhook stored before its receiver had a handler as soon as one is registered, not at the next poll', async () => {
    // Without a handler the workers are not woken per webhook; registering one wakes them.
    const relay = await relayOf({ inbound: { pollInterval: '1h' } })
    const receiver = relay.receiver({ name: 'shop', secret: STANDARD_SECRET })
    const request = standardRequest({ data: { id: 'ord_7' } })
    expect((await receiver.handle(request)).status).toBe(200)
    const [stored] = (await relay.inbound.list({ source: 'shop' })).data
    expect(stored?.status).toBe('pending')

    const seen: string[] = []
    receiver.on<{ id: string }>('order.created', (event) => {
      seen.push(event.data.id)
    })
    await eventually(async () => expect((await relay.inbound.get(stored!.id)).status).toBe('processed'))
    expect(seen).toEqual(['ord_7'])

    // With the handler there, the next webhook is run at once too.
    expect((await receiver.handle(standardRequest({ data: { id: 'ord_8' } }))).status).toBe(200)
    await eventually(() => expect(seen).toEqual(['ord_7', 'ord_8']))
  })
})
