/**
 * Screenshots of every dashboard view, taken in a real headless chromium over a relay seeded with
 * a realistic mix (several tenants, failing endpoints, dead letters, received webhooks) and a live
 * stream of sends while the overview is captured. Writes PNGs to docs/images/.
 *
 *   npx tsx scripts/screenshots.ts            (needs /usr/bin/chromium or CHROMIUM_PATH)
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { chromium, type Page } from 'playwright-core'
import { createRelay, sqliteStorage } from '../src/index.js'
import { expressDashboard } from '../src/adapters/express/index.js'
import { generateSecret, sign } from '../src/signing/index.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = join(root, 'docs/images')
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (!existsSync(chromiumPath)) throw new Error(`No chromium at ${chromiumPath}: apt-get install -y chromium, or set CHROMIUM_PATH.`)
if (!existsSync(join(root, 'dist/dashboard-ui/app.js'))) execFileSync(process.execPath, [join(root, 'scripts/build-dashboard-ui.mjs')], { stdio: 'inherit' })
mkdirSync(out, { recursive: true })

// Receivers: a healthy one, a flaky one (1 in 4 fails), one that is down.
let counter = 0
const receivers = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    counter++
    const delay = 5 + (counter % 7) * 6
    setTimeout(() => {
      if (req.url?.startsWith('/down')) res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body><h1>503 Service Unavailable</h1></body></html>')
      else if (req.url?.startsWith('/flaky') && counter % 4 === 0) res.writeHead(500).end('{"error":"database timeout"}')
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    }, delay)
  })
})
await new Promise<void>((resolve) => receivers.listen(0, '127.0.0.1', resolve))
const receiverUrl = `http://127.0.0.1:${(receivers.address() as AddressInfo).port}`

const dir = await mkdtemp(join(tmpdir(), 'hookrelay-screens-'))
const relay = createRelay({
  storage: sqliteStorage({ filename: join(dir, 'relay.db') }),
  network: { allowPrivate: true },
  delivery: { pollInterval: '50ms' },
  retry: { schedule: ['100ms'], jitter: 0 },
})
await relay.start()

const endpoints = [
  await relay.endpoints.create({ url: `${receiverUrl}/hooks/orders`, tenant: 'acme', eventTypes: ['order.*'], description: 'Order sync', rateLimit: { max: 100, per: '1s' } }),
  await relay.endpoints.create({ url: `${receiverUrl}/flaky/billing`, tenant: 'acme', eventTypes: ['invoice.*'], description: 'Billing' }),
  await relay.endpoints.create({ url: `${receiverUrl}/hooks/crm`, tenant: 'globex', description: 'CRM' }),
  await relay.endpoints.create({ url: `${receiverUrl}/down/legacy`, tenant: 'globex', eventTypes: ['order.*'], description: 'Legacy ERP' }),
]
const types = ['order.created', 'order.paid', 'order.shipped', 'invoice.paid', 'invoice.finalized', 'customer.updated']
const send = (i: number) =>
  relay.send({
    type: types[i % types.length]!,
    tenant: i % 3 === 0 ? 'globex' : 'acme',
    data: { id: `ord_${1000 + i}`, amount: 1999 + i * 13, currency: 'eur', customer: { id: `cus_${i % 17}`, email: `buyer${i}@example.com` } },
  })
for (let i = 0; i < 60; i++) await send(i)
// A hostile payload, to show it is rendered as text.
await relay.send({ type: 'order.created', tenant: 'acme', data: { note: '<script>alert(1)</script><img src=x onerror=alert(2)>' } })

// Received webhooks: a receiver whose handler fails for one type.
const secret = generateSecret()
const stripe = relay.receiver({ name: 'payments', scheme: 'standard', secret, retry: { schedule: ['100ms'] } })
stripe.on('*', async (event) => {
  if (event.type === 'charge.disputed') throw new Error('dispute handler: no matching order')
})
for (let i = 0; i < 12; i++) {
  const payload = JSON.stringify({ type: i % 4 === 0 ? 'charge.disputed' : 'charge.succeeded', data: { id: `ch_${i}`, amount: 4200 + i } })
  const headers = sign({ scheme: 'standard', secret, id: `evt_${i}`, payload })
  await stripe.handle({ method: 'POST', headers, body: payload })
}

const app = express()
app.use('/webhooks-admin', expressDashboard(relay, { authorize: 'none', title: 'Acme webhooks', portal: { name: 'Acme · developer portal', accentColor: '#0f766e' } }))
const server = http.createServer(app)
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks-admin/`

// Let retries run out so dead letters exist.
await new Promise((r) => setTimeout(r, 2500))

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 })

async function shot(name: string, hash: string, ready: (p: Page) => Promise<unknown>): Promise<void> {
  await page.goto(`${base}${hash}`)
  await ready(page)
  await page.waitForTimeout(300)
  await page.screenshot({ path: join(out, `dashboard-${name}.png`) })
  console.log(`  docs/images/dashboard-${name}.png`)
}

// The overview with traffic flowing: a steady stream of sends for a few seconds.
await page.goto(base)
await page.waitForSelector('.dot-on')
let i = 100
const stream = setInterval(() => {
  for (let k = 0; k < 5; k++) void send(i++)
}, 100)
await page.waitForTimeout(15_000)
await page.screenshot({ path: join(out, 'dashboard-overview.png') })
console.log('  docs/images/dashboard-overview.png')
clearInterval(stream)
await new Promise((r) => setTimeout(r, 1500))

await shot('endpoints', '#/endpoints', (p) => p.waitForSelector('[data-testid="endpoint-table"]'))
await shot('endpoint', `#/endpoints/${endpoints[1]!.id}`, (p) => p.waitForSelector('[data-testid="delivery-table"]'))
await shot('messages', '#/messages', (p) => p.waitForSelector('[data-testid="delivery-table"]'))
const dead = await relay.dlq.list({ limit: 1 })
await shot('message', `#/messages/${dead.data[0]!.messageId}`, async (p) => {
  await p.waitForSelector('[data-testid="attempts"]')
  await p.click('details summary')
})
await shot('dead-letters', '#/dlq', (p) => p.waitForSelector('[data-testid="delivery-table"]'))
await shot('inbound', '#/inbound', (p) => p.waitForSelector('table'))

const link = await relay.portal.createSession({ tenant: 'acme', baseUrl: base.slice(0, -1) })
await page.goto(link.url!)
await page.waitForSelector('[data-testid="endpoint-table"]')
await page.waitForTimeout(300)
await page.screenshot({ path: join(out, 'dashboard-portal.png') })
console.log('  docs/images/dashboard-portal.png')

await browser.close()
server.closeAllConnections()
server.close()
await relay.stop()
receivers.closeAllConnections()
receivers.close()
await rm(dir, { recursive: true, force: true })
