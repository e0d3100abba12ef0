import { afterEach, expect, it } from 'vitest'
import { createRelay, NotFoundError, ValidationError, type Relay } from '../../src/index.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'

describeEachStorage('registering endpoints by uid', (ctx) => {
  const relays: Relay[] = []
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()))
  })

  async function setup(): Promise<Relay> {
    const relay = createRelay({ storage: await ctx.env().freshStorage(), network: { allowPrivate: true } })
    relays.push(relay)
    await relay.start({ workers: false })
    return relay
  }

  it('returns the existing endpoint, unchanged and with its secret, when the uid is registered again', async () => {
    const relay = await setup()
    const first = await relay.endpoints.create({ uid: 'customer-42', url: 'https://example.com/a', eventTypes: ['order.*'] })
    expect(first).toMatchObject({ uid: 'customer-42', created: true })
    // As the tutorial's send.ts does on every run: one endpoint, one secret.
    const again = await relay.endpoints.create({ uid: 'customer-42', url: 'https://example.com/changed' })
    expect(again).toMatchObject({ id: first.id, secret: first.secret, url: 'https://example.com/a', eventTypes: ['order.*'], created: false })
    expect((await relay.endpoints.list()).data.map((e) => e.id)).toEqual([first.id])
  })

  it('makes one endpoint of concurrent registrations with one uid', async () => {
    const relay = await setup()
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => relay.endpoints.create({ uid: 'racy', tenant: 'acme', url: `https://example.com/${i}` })),
    )
    expect(results.filter((r) => r.created)).toHaveLength(1)
    const winner = results.find((r) => r.created)!
    for (const r of results) expect(r).toMatchObject({ id: winner.id, secret: winner.secret })
    expect((await relay.endpoints.list({ tenant: 'acme' })).data).toHaveLength(1)
  })

  it('keeps uids unique per tenant, endpoints without a tenant being one tenant', async () => {
    const relay = await setup()
    const none = await relay.endpoints.create({ uid: 'shared', url: 'https://example.com/n' })
    const acme = await relay.endpoints.create({ uid: 'shared', tenant: 'acme', url: 'https://example.com/a' })
    expect(acme.id).not.toBe(none.id)
    expect((await relay.endpoints.create({ uid: 'shared', url: 'https://example.com/n2' })).id).toBe(none.id)
    expect((await relay.endpoints.get('shared')).id).toBe(none.id)
    expect((await relay.endpoints.get('shared', { tenant: 'acme' })).id).toBe(acme.id)
    expect((await relay.endpoints.getByUid('shared', { tenant: 'acme' })).id).toBe(acme.id)
    expect((await relay.endpoints.get(acme.id)).uid).toBe('shared')
    await expect(relay.endpoints.get('shared', { tenant: 'globex' })).rejects.toBeInstanceOf(NotFoundError)
    await expect(relay.endpoints.getByUid(none.id)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('upserts: creates, leaves an unchanged endpoint alone, and applies what changed', async () => {
    const relay = await setup()
    const created = await relay.endpoints.upsert({ uid: 'erp', url: 'https://example.com/v1', eventTypes: ['order.*'], metadata: { a: 1, b: 2 } })
    expect(created).toMatchObject({ created: true, updated: false })

    const same = await relay.endpoints.upsert({ uid: 'erp', url: 'https://example.com/v1', eventTypes: ['order.*'], metadata: { b: 2, a: 1 } })
    expect(same).toMatchObject({ id: created.id, created: false, updated: false, secret: created.secret })
    expect(same.updatedAt).toEqual(created.updatedAt)

    const changed = await relay.endpoints.upsert({ uid: 'erp', url: 'https://example.com/v2', rateLimit: { max: 5, per: '1s' } })
    expect(changed).toMatchObject({ id: created.id, created: false, updated: true, url: 'https://example.com/v2', eventTypes: ['order.*'], rateLimit: { max: 5, perMs: 1000 } })
    expect((await relay.endpoints.upsert({ uid: 'erp', url: 'https://example.com/v2', rateLimit: { max: 5, per: '1000ms' } })).updated).toBe(false)

    const secret = 'whsec_' + Buffer.from('a-new-secret-of-enough-length!!').toString('base64')
    const rotated = await relay.endpoints.upsert({ uid: 'erp', url: 'https://example.com/v2', secret, disabled: true })
    expect(rotated).toMatchObject({ updated: true, secret, disabled: true })
    expect(await relay.endpoints.getSecret(created.id)).toBe(secret)
    expect((await relay.endpoints.list()).data).toHaveLength(1)
  })

  it('refuses an upsert without a uid, and a malformed uid', async () => {
    const relay = await setup()
    // @ts-expect-error uid is required
    await expect(relay.endpoints.upsert({ url: 'https://example.com/' })).rejects.toBeInstanceOf(ValidationError)
    await expect(relay.endpoints.create({ uid: 'has spaces', url: 'https://example.com/' })).rejects.toThrow(/uid/)
    await expect(relay.endpoints.create({ uid: '', url: 'https://example.com/' })).rejects.toBeInstanceOf(ValidationError)
  })

  it('sets, moves and clears a uid with update, refusing one the tenant already uses', async () => {
    const relay = await setup()
    const a = await relay.endpoints.create({ url: 'https://example.com/a' })
    const b = await relay.endpoints.create({ uid: 'taken', url: 'https://example.com/b' })
    expect((await relay.endpoints.update(a.id, { uid: 'adopted' })).uid).toBe('adopted')
    expect((await relay.endpoints.create({ uid: 'adopted', url: 'https://example.com/x' })).id).toBe(a.id)
    await expect(relay.endpoints.update(a.id, { uid: 'taken' })).rejects.toThrow(/already used by endpoint/)
    // Moving b to another tenant takes its uid along and frees it here.
    await relay.endpoints.update(b.id, { tenant: 'acme' })
    expect((await relay.endpoints.get('taken', { tenant: 'acme' })).id).toBe(b.id)
    expect((await relay.endpoints.update(a.id, { uid: 'taken' })).uid).toBe('taken')
    expect((await relay.endpoints.update(a.id, { uid: null })).uid).toBeNull()
    await expect(relay.endpoints.get('taken')).rejects.toBeInstanceOf(NotFoundError)
  })

  it('frees the uid of a deleted endpoint for a new one', async () => {
    const relay = await setup()
    const old = await relay.endpoints.create({ uid: 'again', url: 'https://example.com/old' })
    await relay.endpoints.delete(old.id)
    await expect(relay.endpoints.get('again')).rejects.toBeInstanceOf(NotFoundError)
    const fresh = await relay.endpoints.create({ uid: 'again', url: 'https://example.com/new' })
    expect(fresh).toMatchObject({ created: true, url: 'https://example.com/new' })
    expect(fresh.id).not.toBe(old.id)
  })
}, relayTargets)
