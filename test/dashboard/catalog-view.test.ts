import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createRelay, defineEvents, sqliteStorage, type Relay } from '../../src/index.js'
import { browserAvailable, launchBrowser } from './support/browser.js'
import { DashboardSession, ensureUiBuilt, mounts, type MountedDashboard } from './support/dashboard-app.js'

const events = defineEvents({
  'order.created': {
    schema: z.object({ id: z.string(), total: z.number() }),
    description: 'An order was placed.',
    examples: [{ id: 'ord_1', total: 42 }],
  },
  'user.deleted': { schema: z.object({ userId: z.string() }), description: 'A user left.' },
})

describe('the event catalog in the dashboard', () => {
  let relay: Relay<typeof events>
  let dashboard: MountedDashboard
  let dir: string

  beforeAll(async () => {
    ensureUiBuilt()
    dir = await mkdtemp(join(tmpdir(), 'hookrelay-catalog-'))
    relay = createRelay({ events, storage: sqliteStorage({ filename: join(dir, 'relay.db') }), network: { allowPrivate: true }, logger: false })
    await relay.start({ workers: false })
    dashboard = await mounts.express(relay, { authorize: 'none' })
  }, 60_000)
  afterAll(async () => {
    await dashboard?.close()
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('serves the catalog to operators and to tenant portals', async () => {
    const session = new DashboardSession(dashboard)
    await session.open()
    const operator = (await (await session.get('api/catalog')).json()) as { data: { type: string }[] }
    expect(operator.data.map((e) => e.type)).toEqual(['order.created', 'user.deleted'])

    const link = await relay.portal.createSession({ tenant: 'acme', expiresIn: '5m' })
    const opened = await fetch(`${dashboard.origin}/ops${link.path}`, { redirect: 'manual' })
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!
    const portal = (await (await fetch(`${dashboard.origin}/ops/portal/api/catalog`, { headers: { cookie } })).json()) as { data: { type: string }[] }
    expect(portal.data.map((e) => e.type)).toEqual(['order.created', 'user.deleted'])
  })

  it("sends a catalog type's example from the dashboard's test route", async () => {
    const endpoint = await relay.endpoints.create({ url: 'https://example.com/hook', eventTypes: ['user.deleted'] })
    const session = new DashboardSession(dashboard)
    await session.open()
    const res = await session.change('POST', `api/endpoints/${endpoint.id}/test`, { type: 'order.created' })
    expect(res.status).toBe(201)
    const sent = (await res.json()) as { messageId: string; type: string }
    expect(sent.type).toBe('order.created')
    expect(JSON.parse((await relay.messages.get(sent.messageId)).payload)).toMatchObject({ test: true, data: { id: 'ord_1', total: 42 } })
  })

  it.runIf(browserAvailable())('lists each type with its description, schema and examples in the page', async () => {
    const { browser, close } = await launchBrowser()
    try {
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      await page.goto(`${dashboard.url}#/catalog`)
      await page.waitForSelector('[data-testid="catalog-entry"]')
      const entries = page.locator('[data-testid="catalog-entry"]')
      expect(await entries.count()).toBe(2)
      expect(await entries.nth(0).locator('h3').textContent()).toBe('order.created')
      expect(await entries.nth(0).textContent()).toContain('An order was placed.')
      expect(await entries.nth(0).locator('[data-testid="catalog-schema"]').textContent()).toContain('"total"')
      expect(JSON.parse((await entries.nth(0).locator('[data-testid="catalog-example"]').textContent())!)).toEqual({ id: 'ord_1', total: 42 })
      expect(await entries.nth(1).textContent()).toContain('No examples.')
      expect(await page.locator('nav.nav a.active').textContent()).toBe('Event types')
      expect(errors).toEqual([])
    } finally {
      await close()
    }
  })
})
