import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { Relay } from '../../src/index.js'
import type { DashboardOptions } from '../../src/dashboard/dashboard-options.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { browserAvailable, launchBrowser } from './support/browser.js'
import { ensureUiBuilt, mounts, startRelay, type MountedDashboard } from './support/dashboard-app.js'

/** The host app's own session cookie, which `authorize` checks. */
const SESSION = 'operator-session-for-tests'
const authorize: DashboardOptions['authorize'] = (req) => String(req.headers.cookie ?? '').includes(`app_session=${SESSION}`)

describe.runIf(browserAvailable())('dashboard in a real browser (headless chromium)', () => {
  let relay: Relay
  let cleanup: () => Promise<void>
  let dashboard: MountedDashboard
  let receiver: TestReceiver
  let browser: Browser
  let closeBrowser: () => Promise<void>
  let context: BrowserContext
  const pageErrors: string[] = []

  beforeAll(async () => {
    ensureUiBuilt()
    receiver = await startReceiver(() => ({ status: 200 }))
    ;({ relay, cleanup } = await startRelay())
    dashboard = await mounts.express(relay, { authorize })
    ;({ browser, close: closeBrowser } = await launchBrowser())
    context = await browser.newContext()
    await context.addCookies([{ name: 'app_session', value: SESSION, url: dashboard.origin }])
  }, 60_000)
  afterAll(async () => {
    await context?.close()
    await closeBrowser?.()
    await dashboard?.close()
    await cleanup?.()
    await receiver?.close()
  })

  async function open(hash = ''): Promise<Page> {
    const page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const response = await page.goto(`${dashboard.url}${hash}`)
    expect(response?.status()).toBe(200)
    await page.waitForSelector('nav.nav')
    return page
  }

  /** A delivery dead-lettered by a failing receiver (the relay retries nothing here). */
  async function deadLetter(type: string, data: unknown = {}): Promise<{ deliveryId: string; messageId: string; endpointId: string }> {
    receiver.behave(() => ({ status: 503, body: 'unavailable' }))
    const endpoint = await relay.endpoints.create({ url: receiver.url })
    const dead = new Promise<string>((resolve) => {
      const listener = ({ deliveryId, endpointId }: { deliveryId: string; endpointId: string }) => {
        if (endpointId !== endpoint.id) return
        relay.off('delivery.dead', listener)
        resolve(deliveryId)
      }
      relay.on('delivery.dead', listener)
    })
    const { messageId } = await relay.send({ type, data, endpointIds: [endpoint.id] })
    const deliveryId = await dead
    receiver.behave(() => ({ status: 200 }))
    return { deliveryId, messageId, endpointId: endpoint.id }
  }

  it('refuses a browser without the app session', async () => {
    const stranger = await browser.newContext()
    try {
      const page = await stranger.newPage()
      const response = await page.goto(dashboard.url)
      expect(response?.status()).toBe(401)
      expect(await page.locator('nav.nav').count()).toBe(0)
      const api = await page.request.get(`${dashboard.url}api/overview`)
      expect(api.status()).toBe(401)
    } finally {
      await stranger.close()
    }
  })

  it('shows a send() in the live feed', async () => {
    const page = await open()
    await page.waitForSelector('.dot-on') // the EventSource is connected
    const { messageId } = await relay.send({ type: 'browser.live', data: { hello: 'world' } })
    const item = page.locator(`[data-testid="live-feed"] [data-event="message.created"][data-message-id="${messageId}"]`)
    await item.waitFor({ state: 'visible' })
    expect(await item.textContent()).toContain('browser.live')
    await page.close()
  })

  it('delivers a dead letter replayed by a click', async () => {
    const { deliveryId } = await deadLetter('browser.replay')
    const before = receiver.requests.length
    const page = await open('#/dlq')
    const button = page.locator(`[data-testid="replay-${deliveryId}"]`)
    await button.click()
    await eventually(async () => expect((await relay.deliveries.get(deliveryId)).status).toBe('succeeded'))
    expect(receiver.requests.length).toBeGreaterThan(before)
    // The row leaves the queue once the page reloads it.
    await page.locator(`tr[data-delivery-id="${deliveryId}"]`).waitFor({ state: 'detached' })
    await page.close()
  })

  it('finds a message by its event type', async () => {
    const endpoint = await relay.endpoints.create({ url: receiver.url })
    const { messageId } = await relay.send({ type: 'browser.search.needle', data: {}, endpointIds: [endpoint.id] })
    const haystack = await relay.send({ type: 'browser.search.haystack', data: {}, endpointIds: [endpoint.id] })
    const page = await open('#/messages')
    // Unfiltered, the list shows both.
    await page.locator(`tr[data-message-id="${haystack.messageId}"]`).waitFor()
    await page.fill('input[name="q"]', 'browser.search.needle')
    await page.click('[data-testid="search-form"] button[type="submit"]')
    await page.locator(`tr[data-message-id="${haystack.messageId}"]`).waitFor({ state: 'detached' })
    await page.locator(`[data-testid="delivery-table"] tr[data-message-id="${messageId}"]`).waitFor()
    expect(await page.locator('[data-testid="delivery-table"] tbody tr').count()).toBe(1)
    expect(page.url()).toContain('q=browser.search.needle')
    await page.click(`tr[data-message-id="${messageId}"] a.mono`)
    await page.locator('[data-testid="payload"]').waitFor()
    expect(page.url()).toContain(`#/messages/${messageId}`)
    await page.close()
  })

  it('renders payloads and response bodies holding <script> and <img onerror> as text, and runs nothing', async () => {
    const hostile = `<script>window.__pwned = 'script'</script><img src=x onerror="window.__pwned = 'img'">`
    receiver.behave(() => ({ status: 500, body: `<img src=y onerror="window.__pwned = 'response'">` }))
    const endpoint = await relay.endpoints.create({ url: receiver.url, description: hostile, metadata: { note: hostile } })
    const dead = new Promise<void>((resolve) => {
      const listener = ({ endpointId }: { endpointId: string }) => {
        if (endpointId !== endpoint.id) return
        relay.off('delivery.dead', listener)
        resolve()
      }
      relay.on('delivery.dead', listener)
    })
    const { messageId } = await relay.send({ type: 'browser.xss', data: { comment: hostile }, endpointIds: [endpoint.id] })
    await dead
    receiver.behave(() => ({ status: 200 }))

    const violations: string[] = []
    const page = await open()
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v))
    // Browser-side code as strings: the test's types have no DOM.
    await page.evaluate(`document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(e.violatedDirective))`)

    await page.goto(`${dashboard.url}#/messages/${messageId}`)
    const payload = page.locator('[data-testid="payload"]')
    await payload.waitFor()
    expect(await payload.textContent()).toContain(`<script>window.__pwned = 'script'</script>`)
    // The attempt's response body (its request headers are in the details above it).
    const response = page.locator('details', { hasText: 'Response body' }).first()
    await response.locator('summary').click()
    await response.locator('pre').waitFor()
    expect(await response.locator('pre').textContent()).toContain(`<img src=y onerror=`)

    await page.goto(`${dashboard.url}#/endpoints/${endpoint.id}`)
    await page.locator('text=Custom headers').waitFor()
    expect(await page.locator('main').textContent()).toContain(`<img src=x onerror=`)

    // Nothing from the payloads became markup, and nothing ran.
    expect(await page.locator('main script, main img').count()).toBe(0)
    expect(await page.evaluate('window.__pwned')).toBeUndefined()
    expect(violations).toEqual([])
    expect(pageErrors).toEqual([])
    await page.close()
  })

  it("opens tenant A's portal from its link, never shows tenant B's data, and refuses the link a second time", async () => {
    const aEndpoint = await relay.endpoints.create({ url: receiver.url, tenant: 'portal-a', description: 'A endpoint' })
    const bEndpoint = await relay.endpoints.create({ url: `${receiver.url}/b`, tenant: 'portal-b', description: 'B endpoint' })
    const a = await relay.send({ type: 'portal.a.event', data: {}, tenant: 'portal-a' })
    const b = await relay.send({ type: 'portal.b.event', data: {}, tenant: 'portal-b' })
    const link = await relay.portal.createSession({ tenant: 'portal-a', baseUrl: `${dashboard.origin}/ops` })

    const customer = await browser.newContext() // a customer has no operator session
    try {
      const page = await customer.newPage()
      page.on('pageerror', (error) => pageErrors.push(error.message))
      const response = await page.goto(link.url!)
      expect(response?.status()).toBe(200)
      expect(page.url()).toBe(`${dashboard.origin}/ops/portal/`)
      await page.locator(`tr[data-endpoint-id="${aEndpoint.id}"]`).waitFor()
      expect(await page.locator(`tr[data-endpoint-id="${bEndpoint.id}"]`).count()).toBe(0)
      expect(await page.locator('nav').textContent()).not.toContain('Overview')

      await page.goto(`${dashboard.origin}/ops/portal/#/messages`)
      await page.locator(`tr[data-message-id="${a.messageId}"]`).waitFor()
      expect(await page.locator(`tr[data-message-id="${b.messageId}"]`).count()).toBe(0)

      // Crafted calls with A's session cookies.
      for (const path of [`messages/${b.messageId}`, `endpoints/${bEndpoint.id}`, `endpoints/${bEndpoint.id}/secret`]) {
        const crafted = await page.request.get(`${dashboard.origin}/ops/portal/api/${path}`)
        expect(crafted.status(), path).toBe(404)
      }
      const listed = await page.request.get(`${dashboard.origin}/ops/portal/api/messages?tenant=portal-b`)
      expect(await listed.text()).not.toContain(b.messageId)
      const operator = await page.request.get(`${dashboard.url}api/overview`)
      expect(operator.status()).toBe(401)

      const again = await (await customer.newPage()).goto(link.url!)
      expect(again?.status()).toBe(401)
    } finally {
      await customer.close()
    }
  })
})
