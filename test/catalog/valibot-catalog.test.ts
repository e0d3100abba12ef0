import { afterEach, expect, it } from 'vitest'
import * as v from 'valibot'
import { createRelay, defineEvents, sqliteStorage, type Relay } from '../../src/index.js'

/** The catalog with a schema library other than zod: valibot implements Standard Schema natively. */
let relay: Relay | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

it('types, validates and lists a catalog written with valibot', async () => {
  const events = defineEvents({
    'invoice.paid': {
      schema: v.object({ invoiceId: v.pipe(v.string(), v.startsWith('inv_')), amount: v.pipe(v.number(), v.minValue(1)) }),
      description: 'An invoice was paid.',
      examples: [{ invoiceId: 'inv_1', amount: 10 }],
    },
  })
  const r = createRelay({ events, storage: sqliteStorage({ filename: ':memory:' }), logger: false })
  relay = r as Relay
  await r.start({ workers: false })
  await expect(r.send({ type: 'invoice.paid', data: { invoiceId: 'inv_2', amount: 5 } })).resolves.toMatchObject({ duplicate: false })
  // @ts-expect-error: the catalog types send(): amount must be a number
  const wrongType = r.send({ type: 'invoice.paid', data: { invoiceId: 'inv_3', amount: 'five' } })
  await expect(wrongType).rejects.toMatchObject({ code: 'PAYLOAD_INVALID', issues: [expect.objectContaining({ path: ['data', 'amount'] })] })
  await expect(r.send({ type: 'invoice.paid', data: { invoiceId: 'x', amount: 0 } })).rejects.toMatchObject({
    code: 'PAYLOAD_INVALID',
    issues: expect.arrayContaining([expect.objectContaining({ path: ['data', 'invoiceId'] }), expect.objectContaining({ path: ['data', 'amount'] })]),
  })
  const [entry] = r.catalog()
  expect(entry).toMatchObject({ type: 'invoice.paid', description: 'An invoice was paid.', examples: [{ invoiceId: 'inv_1', amount: 10 }] })
})
