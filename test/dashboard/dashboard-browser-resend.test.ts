import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext } from 'playwright-core'
import { createRelay, sqliteStorage, type Relay } from '../../src/index.js'
import type { DashboardOptions } from '../../src/dashboard/dashboard-options.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { browserAvailable, launchBrowser } from './support/browser.js'
import { ensureUiBuilt, mounts, type MountedDashboard } from './support/dashboard-app.js'

const SESSION = 'operator-session-for-resend'
const authorize: DashboardOptions['authorize'] = (req) => String(req.headers.cookie ?? '').includes(`app_session=${SESSION}`)

describe.runIf(browserAvailable())('dashboard in a real browser: resend, request headers, a portal link across processes', () => {
  let dir: string
  // Two relays on one database file, each with its own dashboard: two processes of one app.
  let relay: Relay
  let other: Relay
  let dashboard: MountedDashboard
  let otherDashboard: MountedDashboard
  let receiver: TestReceiver
  let browser: Browser
  let closeBrowser: () => Promise<void>
  let context: BrowserContext
  const pageErrors: string[] = []

  beforeAll(async () => {
    ensureUiBuilt()
    dir = await mkdtemp(join(tmpdir(), 'hookrelay-resend-'))
    receiver = await startReceiver(() => ({ status: 200 }))
    const make = () =>
      createRelay({
        storage: sqliteStorage({ filename: join(dir, 'relay.db') }),
        network: { allowPrivate: true },
        delivery: { pollInterval: '50ms' },
        retry: { schedule: [], jitter: 0 },
      })
    relay = make()
    await relay.migrate()
    await relay.start()
    other = make()
    dashboard = await mounts.express(relay, { authorize })
    otherDashboard = await mounts.node(other, { authorize })
    ;({ browser, close: closeBrowser } = await launchBrowser())
    context = await browser.newContext()
    await context.addCookies([{ name: 'app_session', value: SESSION, url: dashboard.origin }])
  }, 60_000)
  afterAll(async () => {
    await context?.close()
    await closeBrowser?.()
    await dashboard?.close()
    await otherDashboard?.close()
    await other?.stop()
    await relay?.stop()
    await receiver?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it("shows each attempt's request headers with secrets redacted, and resends a delivered message by a click", async () => {
    const endpoint = await relay.endpoints.create({ url: receiver.url, headers: { authorization: 'Bearer api-key-never-shown' } })
    const delivered = new Promise<void>((resolve) => {
      const listener = ({ endpointId }: { endpointId: string }) => {
        if (endpointId !== endpoint.id) return
        relay.off('delivery.succeeded', listener)
        resolve()
      }
      relay.on('delivery.succeeded', listener)
    })
    const { messageId, deliveryIds } = await relay.send({ type: 'browser.resend', data: { n: 1 }, endpointIds: [endpoint.id] })
    await delivered
    const before = receiver.requests.filter((r) => r.headers['webhook-id'] === messageId).length
    expect(before).toBe(1)

    const page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(`${dashboard.url}#/messages/${messageId}`)
    const headers = page.locator('[data-testid="request-headers"]').first()
    await headers.waitFor()
    await headers.locator('summary').click()
    const text = (await headers.textContent()) ?? ''
    expect(text).toContain(messageId) // webhook-id
    expect(text).toMatch(/webhook-signature\s*\[redacted\]/)
    expect(text).toMatch(/authorization\s*\[redacted\]/)
    expect(text).toContain('content-type')
    expect(await page.locator('main').textContent()).not.toContain('api-key-never-shown')
    const signature = String(receiver.requests.find((r) => r.headers['webhook-id'] === messageId)!.headers['webhook-signature'])
    expect(await page.locator('main').textContent()).not.toContain(signature.split(',')[1])

    await page.click(`[data-testid="resend-${deliveryIds[0]}"]`)
    await page.locator('[data-testid="action-message"]').waitFor()
    // A new delivery of the same message: the same webhook-id and body reach the endpoint again.
    await eventually(() => expect(receiver.requests.filter((r) => r.headers['webhook-id'] === messageId).length).toBe(2))
    await eventually(async () => expect((await relay.messages.get(messageId)).deliveries.map((d) => d.status)).toEqual(['succeeded', 'succeeded']))
    await page.reload()
    await eventually(async () => expect(await page.locator('[data-testid="attempts"]').count()).toBe(2))
    expect(pageErrors).toEqual([])
    await page.close()
  })

  it('opens a portal link created by one process on the dashboard of another', async () => {
    const own = await relay.endpoints.create({ url: receiver.url, tenant: 'cross-a', description: 'cross A endpoint' })
    const foreign = await relay.endpoints.create({ url: `${receiver.url}/b`, tenant: 'cross-b' })
    const link = await relay.portal.createSession({ tenant: 'cross-a', baseUrl: `${otherDashboard.origin}/ops` })

    const customer = await browser.newContext()
    try {
      const page = await customer.newPage()
      page.on('pageerror', (error) => pageErrors.push(error.message))
      const response = await page.goto(link.url!)
      expect(response?.status()).toBe(200)
      expect(page.url()).toBe(`${otherDashboard.origin}/ops/portal/`)
      await page.locator(`tr[data-endpoint-id="${own.id}"]`).waitFor()
      expect(await page.locator(`tr[data-endpoint-id="${foreign.id}"]`).count()).toBe(0)
      // Used once: refused by the process that made it too.
      const again = await (await customer.newPage()).goto(`${dashboard.origin}/ops${link.path}`)
      expect(again?.status()).toBe(401)
      expect(pageErrors).toEqual([])
    } finally {
      await customer.close()
    }
  })
})
