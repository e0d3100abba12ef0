import { mkdirSync, rmSync } from 'node:fs'
import { createRelay, sqliteStorage, postgresStorage } from '../../src/index.js'
const which = process.argv[2] ?? 'sqlite'
mkdirSync('/tmp/prof-engine', { recursive: true })
const file = `/tmp/prof-engine/micro-${process.pid}.db`
const schema = `micro_${process.pid}`
const storage = which === 'sqlite' ? sqliteStorage({ filename: file, tablePrefix: 'hr_' }) : postgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema, tablePrefix: 'hr_' })
const relay = createRelay({ storage, network: { allowPrivate: true } })
await relay.start({ workers: false })
const ep = await relay.endpoints.create({ url: 'http://127.0.0.1:9/x' })
const N = 20000
for (let i = 0; i < N; i += 500) await relay.sendMany(Array.from({ length: 500 }, (_, j) => ({ type: 'order.created', data: { id: `ord_${i + j}`, total: 4200, items: [1, 2, 3] } })))
let claimUs = 0, settleUs = 0, count = 0
const B = Number(process.env.B ?? 32)
for (let round = 0; round < N / B; round++) {
  let t = process.cpuUsage()
  const claimed = await storage.claimDeliveries({ owner: 'w1', limit: B, leaseMs: 60000, now: new Date() })
  let d = process.cpuUsage(t); claimUs += d.user + d.system
  if (claimed.length === 0) break
  const at = new Date()
  const settlements = claimed.map((c, k) => ({ deliveryId: c.delivery.id, owner: 'w1', status: 'succeeded' as const, nextAttemptAt: null, at,
    attempt: { id: `att_${round}_${k}_${Math.random()}`, deliveryId: c.delivery.id, messageId: c.message.id, endpointId: ep.id, number: 1, startedAt: at, durationMs: 1, statusCode: 200, responseBody: null, error: null, outcome: 'succeeded' as const, trigger: 'scheduled' as const } }))
  t = process.cpuUsage()
  await storage.settle(settlements, [{ endpointId: ep.id, kind: 'success' }])
  d = process.cpuUsage(t); settleUs += d.user + d.system
  count += claimed.length
}
console.log(`${which} batch ${B}: ${count} rows; claim ${(claimUs / count).toFixed(1)} µs/row, settle ${(settleUs / count).toFixed(1)} µs/row`)
await relay.stop()
if (which === 'sqlite') for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true })
else { const pg = (await import('pg')).default; const c = new pg.Client('postgres://postgres@127.0.0.1:5432/test'); await c.connect(); await c.query(`drop schema ${schema} cascade`); await c.end() }
