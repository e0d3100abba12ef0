import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Relay } from '../../src/index.js'
import type { DashboardOptions } from '../../src/dashboard/dashboard-options.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { ensureUiBuilt, mounts, startRelay, type MountedDashboard } from './support/dashboard-app.js'

/** Operators only: customers reach the portal through their links, never through this. */
const authorize: DashboardOptions['authorize'] = () => false

/** A JSON answer, read loosely as the assertions below check its shape. */
async function body(res: Response): Promise<any> {
  return res.json()
}

/** A customer's browser: opens a portal link, keeps its cookies, sends changes with the CSRF token. */
class PortalBrowser {
  cookies = new Map<string, string>()
  token = ''

  constructor(readonly dashboard: MountedDashboard) {}

  #remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, ...value] = pair!.split('=')
      this.cookies.set(name!, value.join('='))
    }
  }

  get cookie(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  /** Opens the link; returns the status of the link's answer (302 into the portal, or a refusal). */
  async openLink(path: string): Promise<number> {
    const res = await fetch(`${this.dashboard.origin}/ops${path}`, { redirect: 'manual', headers: { cookie: this.cookie } })
    this.#remember(res)
    await res.body?.cancel()
    if (res.status !== 302) return res.status
    expect(res.headers.get('location')).toBe('/ops/portal/')
    const page = await fetch(`${this.dashboard.origin}/ops/portal/`, { headers: { cookie: this.cookie } })
    this.#remember(page)
    const html = await page.text()
    expect(page.status).toBe(200)
    expect(html).toContain('<meta name="hookrelay-mode" content="portal">')
    this.token = /name="hookrelay-csrf" content="([^"]+)"/.exec(html)?.[1] ?? ''
    return res.status
  }

  get(path: string): Promise<Response> {
    return fetch(`${this.dashboard.origin}/ops/portal/api/${path}`, { headers: { cookie: this.cookie } })
  }

  send(method: string, path: string, json: unknown = {}): Promise<Response> {
    return fetch(`${this.dashboard.origin}/ops/portal/api/${path}`, {
      method,
      headers: { cookie: this.cookie, 'content-type': 'application/json', 'x-hookrelay-csrf': this.token, origin: this.dashboard.origin },
      body: JSON.stringify(json),
    })
  }
}

describe('tenant portal', () => {
  let relay: Relay
  let cleanup: () => Promise<void>
  let dashboard: MountedDashboard
  let receiver: TestReceiver
  let now = Date.now()

  beforeAll(async () => {
    ensureUiBuilt()
    receiver = await startReceiver(() => ({ status: 500 }))
    // The relay's clock is the test's, so link expiry is decided without waiting.
    ;({ relay, cleanup } = await startRelay({ now: () => now }))
    dashboard = await mounts.express(relay, { authorize })
  })
  afterAll(async () => {
    await dashboard?.close()
    await cleanup?.()
    await receiver?.close()
  })

  /** Tenant `tenant`'s endpoint and a dead letter to it. */
  async function tenantData(tenant: string) {
    const endpoint = await relay.endpoints.create({ url: receiver.url, tenant, description: `${tenant}'s endpoint` })
    const dead = new Promise<string>((resolve) => {
      const listener = (e: { deliveryId: string; endpointId: string }) => {
        if (e.endpointId !== endpoint.id) return
        relay.off('delivery.dead', listener)
        resolve(e.deliveryId)
      }
      relay.on('delivery.dead', listener)
    })
    const { messageId } = await relay.send({ type: `${tenant}.event`, data: { secretOf: tenant }, tenant })
    return { endpointId: endpoint.id, messageId, deliveryId: await dead }
  }

  it('shows tenant A only its own data, and refuses every crafted request for tenant B', async () => {
    const a = await tenantData('tenant-a')
    const b = await tenantData('tenant-b')
    const link = await relay.portal.createSession({ tenant: 'tenant-a', expiresIn: '10m', baseUrl: 'https://app.example.com/ops' })
    expect(link.path).toMatch(/^\/portal\/[A-Za-z0-9_-]{43}$/)
    expect(link.url).toBe(`https://app.example.com/ops${link.path}`)

    const browser = new PortalBrowser(dashboard)
    expect(await browser.openLink(link.path)).toBe(302)
    expect(await body(await browser.get('session'))).toEqual({ tenant: 'tenant-a' })

    // Lists hold A's rows only, whatever the query says.
    const endpoints = await body(await browser.get('endpoints'))
    expect(endpoints.data.map((e: { endpoint: { id: string } }) => e.endpoint.id)).toEqual([a.endpointId])
    for (const query of ['messages', 'messages?tenant=tenant-b', `messages?q=${b.messageId}`, `messages?q=${b.deliveryId}`, `messages?endpointId=${b.endpointId}`, 'dlq', `dlq?endpointId=${b.endpointId}`]) {
      const res = await browser.get(query)
      const text = await res.text()
      expect(text, query).not.toContain(b.messageId)
      expect(text, query).not.toContain('tenant-b')
    }
    const messages = await body(await browser.get('messages'))
    expect(messages.data.map((r: { delivery: { messageId: string } }) => r.delivery.messageId)).toEqual([a.messageId])

    // B's ids through every route: 404, as if they did not exist.
    const crafted: [string, string, unknown?][] = [
      ['GET', `endpoints/${b.endpointId}`],
      ['GET', `endpoints/${b.endpointId}/secret`],
      ['GET', `messages/${b.messageId}`],
      ['PATCH', `endpoints/${b.endpointId}`, { url: 'https://evil.example/hook' }],
      ['POST', `endpoints/${b.endpointId}/disable`, {}],
      ['POST', `endpoints/${b.endpointId}/rotate-secret`, {}],
      ['POST', `endpoints/${b.endpointId}/test`, {}],
      ['DELETE', `endpoints/${b.endpointId}`],
      ['POST', `dlq/${b.deliveryId}/replay`, {}],
      ['POST', `dlq/${b.deliveryId}/discard`, {}],
    ]
    for (const [method, path, json] of crafted) {
      const res = method === 'GET' ? await browser.get(path) : await browser.send(method, path, json)
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(await res.text()).not.toContain('whsec_')
    }
    // An endpoint cannot be created for, or moved to, another tenant.
    expect((await browser.send('POST', 'endpoints', { url: receiver.url, tenant: 'tenant-b' })).status).toBe(400)
    expect((await browser.send('PATCH', `endpoints/${a.endpointId}`, { tenant: 'tenant-b' })).status).toBe(400)
    // Bulk replay is scoped to the tenant too.
    receiver.behave(() => ({ status: 200 }))
    expect(await body(await browser.send('POST', 'dlq/replay', { all: true }))).toEqual({ matched: 1, changed: 1 })
    await eventually(async () => expect((await relay.deliveries.get(a.deliveryId)).status).toBe('succeeded'))
    receiver.behave(() => ({ status: 500 }))

    // Nothing of B's changed.
    const bEndpoint = await relay.endpoints.get(b.endpointId)
    expect(bEndpoint).toMatchObject({ url: receiver.url, disabled: false, tenant: 'tenant-b' })
    expect((await relay.deliveries.get(b.deliveryId)).status).toBe('dead')

    // A's own changes work, with the tenant forced.
    const created = await browser.send('POST', 'endpoints', { url: `${receiver.url}/new`, eventTypes: ['order.*'] })
    expect(created.status).toBe(201)
    expect(await body(created)).toMatchObject({ tenant: 'tenant-a', secret: expect.stringMatching(/^whsec_/) })
  })

  it('refuses a reused or expired link, a forged session, the operator API, and changes without the CSRF token', async () => {
    const link = await relay.portal.createSession({ tenant: 'tenant-a', expiresIn: '5m' })
    const first = new PortalBrowser(dashboard)
    expect(await first.openLink(link.path)).toBe(302)
    expect(await new PortalBrowser(dashboard).openLink(link.path)).toBe(401) // used once already

    const expiring = await relay.portal.createSession({ tenant: 'tenant-a', expiresIn: '5m' })
    now += 5 * 60_000 + 1
    expect(await new PortalBrowser(dashboard).openLink(expiring.path)).toBe(401)
    expect(await new PortalBrowser(dashboard).openLink('/portal/not-a-real-token-at-all-aaaaaaaaaaaaaaaaaaaa')).toBe(401)

    // A session cookie is a random token the database knows by its hash: one changed character, or
    // the link's token itself, proves nothing.
    const session = first.cookies.get('hookrelay_portal')!
    const forged = session.slice(0, -1) + (session.endsWith('A') ? 'B' : 'A')
    for (const cookie of [forged, link.path.split('/').pop()!, `${session}.x`]) {
      first.cookies.set('hookrelay_portal', cookie)
      expect((await first.get('endpoints')).status).toBe(401)
    }
    first.cookies.set('hookrelay_portal', session)

    // The portal session opens the portal only, never the operator dashboard or its API.
    const operator = await fetch(`${dashboard.url}api/endpoints`, { headers: { cookie: first.cookie } })
    expect(operator.status).toBe(401)

    const withoutToken = await fetch(`${dashboard.origin}/ops/portal/api/endpoints`, {
      method: 'POST',
      headers: { cookie: first.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url }),
    })
    expect(withoutToken.status).toBe(403)
    expect((await body(withoutToken)).error.code).toBe('CSRF')
  })
})
