import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Relay } from '../../src/index.js'
import { expressDashboard } from '../../src/adapters/express/index.js'
import { fastifyDashboard } from '../../src/adapters/fastify/index.js'
import { fetchDashboard } from '../../src/adapters/fetch/index.js'
import { nodeDashboard } from '../../src/adapters/node/index.js'
import type { DashboardOptions } from '../../src/dashboard/dashboard-options.js'
import type { LiveFrame } from '../../src/dashboard/live-feed.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { DashboardSession, ensureUiBuilt, mounts, readFrames, startRelay, type MountedDashboard } from './support/dashboard-app.js'

const TOKEN = 'dashboard-token-for-tests'
const AUTH = { authorization: `Bearer ${TOKEN}` }
const authorize: DashboardOptions['authorize'] = (req) =>
  req.headers.authorization === `Bearer ${TOKEN}` ? true : req.headers.authorization ? { status: 403 } : false

beforeAll(() => ensureUiBuilt())

/** A JSON answer, read loosely as the assertions below check its shape. */
async function body(res: Response): Promise<any> {
  return res.json()
}

describe('dashboard mounts', () => {
  it('refuse to mount without authorize, unless authorize is explicitly none', async () => {
    const { relay, cleanup } = await startRelay()
    try {
      const creators = [
        (o: DashboardOptions) => expressDashboard(relay, o),
        (o: DashboardOptions) => fastifyDashboard(relay, o),
        (o: DashboardOptions) => nodeDashboard(relay, o),
        (o: DashboardOptions) => fetchDashboard(relay, o),
      ]
      for (const create of creators) {
        expect(() => create({} as DashboardOptions)).toThrow(/needs an `authorize` function/)
        expect(() => create(undefined as unknown as DashboardOptions)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }))
        expect(() => create({ authorize: 'none' })).not.toThrow()
      }
    } finally {
      await cleanup()
    }
  })

  for (const [name, mount] of Object.entries(mounts)) {
    it(`${name}: serves the page, its assets and the JSON routes under the mount path, and refuses strangers`, async () => {
      const { relay, cleanup } = await startRelay()
      const dashboard = await mount(relay, { authorize })
      try {
        // The bare mount path redirects to the one with a slash, so relative asset URLs resolve.
        const bare = await fetch(dashboard.url.slice(0, -1), { headers: AUTH, redirect: 'manual' })
        expect(bare.status).toBe(302)
        expect(bare.headers.get('location')).toBe('/ops/')

        const session = new DashboardSession(dashboard, AUTH)
        const html = await session.open()
        expect(html).toContain('<div id="app">')
        expect(html).toMatch(/<script type="module" src="assets\/app\.js\?v=[^"]+"><\/script>/)
        expect(session.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
        expect(session.cookie).toBe(`hookrelay_csrf=${session.token}`)

        const js = await session.get('assets/app.js')
        expect(js.status).toBe(200)
        expect(js.headers.get('content-type')).toMatch(/javascript/)
        expect((await js.text()).length).toBeGreaterThan(1000)

        const overview = await session.get('api/overview')
        expect(overview.status).toBe(200)
        expect(await body(overview)).toMatchObject({ title: 'hookrelay', stats: { deliveries: { dead: 0 } } })

        // The live feed streams through this mount.
        const abort = new AbortController()
        const events = await fetch(`${dashboard.url}api/events`, { headers: AUTH, signal: abort.signal })
        expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/)
        try {
          const framed = readFrames<LiveFrame>(events, (frame) => frame.events.some((e) => e.name === 'message.created'))
          const sent = await relay.send({ type: `mount.${name}`, data: {} })
          expect((await framed).events.find((e) => e.name === 'message.created')?.data.messageId).toBe(sent.messageId)
        } finally {
          abort.abort()
        }

        for (const path of ['', 'assets/app.js', 'api/overview', 'api/events']) {
          const anonymous = await fetch(`${dashboard.url}${path}`)
          expect(anonymous.status, path).toBe(401)
          await anonymous.body?.cancel()
          const wrong = await fetch(`${dashboard.url}${path}`, { headers: { authorization: 'Bearer nope' } })
          expect(wrong.status, path).toBe(403)
          await wrong.body?.cancel()
        }
      } finally {
        await dashboard.close()
        await cleanup()
      }
    })
  }
})

describe('dashboard over HTTP (express)', () => {
  let relay: Relay
  let cleanup: () => Promise<void>
  let dashboard: MountedDashboard
  let receiver: TestReceiver
  let session: DashboardSession

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 500, body: 'down' }))
    ;({ relay, cleanup } = await startRelay())
    dashboard = await mounts.express(relay, { authorize })
    session = new DashboardSession(dashboard, AUTH)
    await session.open()
  })
  afterAll(async () => {
    await dashboard?.close()
    await cleanup?.()
    await receiver?.close()
  })

  it('sends a strict Content-Security-Policy and no inline script', async () => {
    const res = await fetch(dashboard.url, { headers: AUTH })
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('unsafe-eval')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await res.text()
    // Every <script> has a src: nothing inline for the CSP to allow.
    expect(html.match(/<script\b[^>]*>/g)?.every((tag) => / src="/.test(tag))).toBe(true)
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/)
  })

  async function deadLetter(): Promise<{ deliveryId: string; messageId: string }> {
    const endpoint = await relay.endpoints.create({ url: receiver.url })
    const dead = new Promise<string>((resolve) => {
      const listener = ({ deliveryId }: { deliveryId: string }) => {
        relay.off('delivery.dead', listener)
        resolve(deliveryId)
      }
      relay.on('delivery.dead', listener)
    })
    const sent = await relay.send({ type: 'order.failed', data: { n: 1 }, endpointIds: [endpoint.id] })
    return { deliveryId: await dead, messageId: sent.messageId }
  }

  it('refuses a change without the CSRF token, from another origin or another site, and changes nothing', async () => {
    const { deliveryId } = await deadLetter()
    const replay = `api/dlq/${deliveryId}/replay`
    const refusals = [
      await session.change('POST', replay, {}, { 'x-hookrelay-csrf': '' }),
      await session.change('POST', replay, {}, { 'x-hookrelay-csrf': 'A'.repeat(43) }),
      await session.change('POST', replay, {}, { origin: 'https://evil.example' }),
      await session.change('POST', replay, {}, { 'sec-fetch-site': 'cross-site' }),
      // The token alone, without its cookie (another browser's token replayed).
      await fetch(`${dashboard.url}${replay}`, { method: 'POST', headers: { ...AUTH, 'x-hookrelay-csrf': session.token, 'content-type': 'application/json' }, body: '{}' }),
    ]
    for (const res of refusals) {
      expect(res.status).toBe(403)
      expect((await body(res)).error.code).toBe('CSRF')
    }
    expect((await relay.deliveries.get(deliveryId)).status).toBe('dead')

    receiver.behave(() => ({ status: 200 }))
    try {
      const accepted = await session.change('POST', replay)
      expect(accepted.status).toBe(200)
      expect(await body(accepted)).toEqual({ replayed: true })
      await eventually(async () => expect((await relay.deliveries.get(deliveryId)).status).toBe('succeeded'))
    } finally {
      receiver.behave(() => ({ status: 500, body: 'down' }))
    }
  })

  it('streams a send() to the live feed as Server-Sent Events', async () => {
    const abort = new AbortController()
    const res = await fetch(`${dashboard.url}api/events`, { headers: AUTH, signal: abort.signal })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    try {
      const endpoint = await relay.endpoints.create({ url: receiver.url })
      const framed = readFrames<LiveFrame>(res, (frame) => frame.events.some((e) => e.name === 'message.created'))
      const sent = await relay.send({ type: 'live.check', data: {}, endpointIds: [endpoint.id] })
      const frame = await framed
      expect(frame.counts.created).toBeGreaterThanOrEqual(1)
      expect(frame.events.find((e) => e.name === 'message.created')?.data).toMatchObject({ messageId: sent.messageId, type: 'live.check' })
    } finally {
      abort.abort()
    }
  })

  it('sends a test event to one endpoint, signed and delivered like any other', async () => {
    receiver.behave(() => ({ status: 200 }))
    try {
      const endpoint = await relay.endpoints.create({ url: `${receiver.url}/test-target`, eventTypes: ['order.*'] })
      const before = receiver.requests.length
      const res = await session.change('POST', `api/endpoints/${endpoint.id}/test`, { type: 'webhook.test' })
      expect(res.status).toBe(201)
      const { messageId, deliveryIds } = await body(res)
      expect(deliveryIds).toHaveLength(1)
      await eventually(async () => expect((await relay.deliveries.get(deliveryIds[0])).status).toBe('succeeded'))
      const got = receiver.requests.slice(before).find((r) => r.path.endsWith('/test-target'))!
      expect(got.headers['webhook-id']).toBe(messageId)
      // Marked as a test in the signed body (endpoints.sendTest), beside the ping's data.
      expect(JSON.parse(got.body)).toMatchObject({ type: 'webhook.test', test: true, data: { endpointId: endpoint.id } })
      expect((await session.change('POST', `api/endpoints/${endpoint.id}/test`, { type: 'bad type!' })).status).toBe(400)
      expect((await session.change('POST', 'api/endpoints/ep_missing/test')).status).toBe(404)
    } finally {
      receiver.behave(() => ({ status: 500, body: 'down' }))
    }
  })

  it('pages through a search with keyset cursors, without gaps or repeats', async () => {
    const endpoint = await relay.endpoints.create({ url: receiver.url })
    const sent = []
    for (let i = 0; i < 7; i++) sent.push((await relay.send({ type: 'page.check', data: { i }, endpointIds: [endpoint.id] })).messageId)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await session.get(`api/messages?type=page.check&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.status).toBe(200)
      const page = (await body(res)) as { data: { delivery: { messageId: string }; message: { type: string } }[]; nextCursor: string | null }
      expect(page.data.length).toBeLessThanOrEqual(3)
      for (const row of page.data) {
        expect(row.message.type).toBe('page.check')
        seen.push(row.delivery.messageId)
      }
      cursor = page.nextCursor
      pages++
    } while (cursor && pages < 10)
    expect(pages).toBe(3)
    expect(seen).toEqual([...sent].reverse())

    const byId = await body(await session.get(`api/messages?q=${sent[2]}`))
    expect(byId.data.map((r: { delivery: { messageId: string } }) => r.delivery.messageId)).toEqual([sent[2]])
  })

  it('filters by response status class and answers bad queries with 400', async () => {
    await eventually(async () => {
      const fiveHundreds = await body(await session.get('api/messages?statusClass=5xx&limit=100'))
      expect(fiveHundreds.data.length).toBeGreaterThan(0)
      expect(fiveHundreds.data.every((r: { delivery: { lastStatusCode: number } }) => r.delivery.lastStatusCode === 500)).toBe(true)
    })
    const twoHundreds = await body(await session.get('api/messages?statusClass=2xx&limit=100'))
    expect(twoHundreds.data.every((r: { delivery: { lastStatusCode: number } }) => r.delivery.lastStatusCode >= 200 && r.delivery.lastStatusCode < 300)).toBe(true)
    const bad = await session.get('api/messages?statusClass=6xx')
    expect(bad.status).toBe(400)
    expect((await body(bad)).error.code).toBe('VALIDATION_ERROR')
  })

  it('shows a message with its deliveries and attempts, and lists dead letters and endpoints', async () => {
    const { deliveryId, messageId } = await deadLetter()
    const detail = await body(await session.get(`api/messages/${messageId}`))
    expect(detail.message).toMatchObject({ id: messageId, type: 'order.failed', payload: expect.stringContaining('"n":1') })
    expect(detail.deliveries[0].delivery).toMatchObject({ id: deliveryId, status: 'dead' })
    expect(detail.deliveries[0].attempts).toEqual([expect.objectContaining({ number: 1, statusCode: 500, responseBody: 'down' })])

    const dlq = await body(await session.get('api/dlq'))
    expect(dlq.data.map((r: { delivery: { id: string } }) => r.delivery.id)).toContain(deliveryId)
    expect(dlq.data.every((r: { delivery: { status: string } }) => r.delivery.status === 'dead')).toBe(true)

    const endpoints = await body(await session.get('api/endpoints'))
    expect(endpoints.data[0]).toMatchObject({ endpoint: { url: receiver.url }, stats: { circuit: expect.any(String) } })
    expect(JSON.stringify(endpoints)).not.toContain('whsec_')

    const missing = await session.get('api/messages/msg_nope')
    expect(missing.status).toBe(404)
  })
})
