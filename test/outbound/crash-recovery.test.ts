import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import { createRelay, type Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'
import { POSTGRES_URL } from '../support/urls.js'

const WORKER = fileURLToPath(new URL('./fixtures/delivery-worker.ts', import.meta.url))

describeEachStorage('a delivery worker killed mid-attempt', (ctx) => {
  let receiver: TestReceiver | undefined
  let relays: Relay[] = []

  afterEach(async () => {
    for (const r of relays) await r.stop()
    relays = []
    await receiver?.close()
  })

  it('leaves a lease that expires, and another process delivers with the same webhook-id', { timeout: 40_000 }, async () => {
    const env = ctx.env()
    const tablePrefix = `crash_${randomBytes(3).toString('hex')}_`
    // The first request hangs (the worker is killed while waiting for it); later ones succeed.
    receiver = await startReceiver((_q, i) => (i === 0 ? { status: 200, delayMs: 60_000 } : { status: 200 }))

    const producerStorage = env.createStorage({ tablePrefix })
    const producer = createRelay({ storage: producerStorage, network: { allowPrivate: true } })
    relays.push(producer)
    await producer.start({ workers: false })
    const endpoint = await producer.endpoints.create({ url: receiver.url })
    const sent = await producer.send({ type: 'order.created', data: { id: 'ord_crash' } })
    const deliveryId = sent.deliveryIds[0]!

    const spec =
      ctx.target.dialect === 'sqlite'
        ? { kind: 'sqlite', filename: env.location, tablePrefix }
        : ctx.target.dialect === 'mysql'
          ? { kind: 'mysql', connectionString: env.location, tablePrefix }
          : { kind: 'postgres', connectionString: POSTGRES_URL, schema: env.location, tablePrefix }
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: { ...process.env, HOOKRELAY_TEST_STORAGE: JSON.stringify(spec) },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))

    await receiver.waitFor(1, 20_000)
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')

    const orphaned = await producer.deliveries.get(deliveryId)
    expect(orphaned.status).toBe('delivering')
    expect(orphaned.leaseOwner).toMatch(/^w_/)
    await producer.stop()

    // Another process's worker (this one) takes over once the dead worker's lease (6s) expires.
    const rescuer = createRelay({
      storage: env.createStorage({ tablePrefix }),
      network: { allowPrivate: true },
      delivery: { pollInterval: '100ms' },
    })
    relays.push(rescuer)
    await rescuer.start({ migrate: false })
    await receiver.waitFor(2, 20_000)
    await eventually(async () => expect((await rescuer.deliveries.get(deliveryId)).status).toBe('succeeded'))

    const [killed, rescued] = receiver.requests
    expect(rescued!.at - killed!.at).toBeGreaterThanOrEqual(5_500)
    expect(killed!.headers['webhook-id']).toBe(sent.messageId)
    expect(rescued!.headers['webhook-id']).toBe(sent.messageId)
    expect(rescued!.body).toBe(killed!.body)
    for (const request of [killed!, rescued!]) {
      expect(() => new Webhook(endpoint.secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow()
    }
    expect(receiver.requests).toHaveLength(2)
  })
}, relayTargets)
