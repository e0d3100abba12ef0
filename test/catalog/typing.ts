// Type-level spec of the event catalog: checked by `npm run typecheck` (each @ts-expect-error must be an error).
import { z } from 'zod'
import { createRelay, defineEvents, type CatalogEvents, type Relay } from '../../src/index.js'
import { expressDashboard } from '../../src/adapters/express/index.js'

const events = defineEvents({
  'order.created': { schema: z.object({ id: z.string(), total: z.number().default(0) }), description: 'x', examples: [{ id: 'a' }] },
  'user.deleted': { schema: z.object({ userId: z.string() }) },
})
const relay = createRelay({ events })
void relay.send({ type: 'order.created', data: { id: 'x' } })
// @ts-expect-error unknown type
void relay.send({ type: 'order.craeted', data: { id: 'x' } })
// @ts-expect-error wrong data
void relay.send({ type: 'user.deleted', data: { id: 'x' } })
type E = CatalogEvents<typeof events>
const e: E['order.created'] = { id: 'a', total: 1 }
void e
const plain: Relay = relay
void plain
const loose = createRelay()
void loose.send({ type: 'anything', data: 1 })
expressDashboard(relay, { authorize: 'none' })
const bad = defineEvents({
  // @ts-expect-error example does not match
  'a.b': { schema: z.object({ id: z.string() }), examples: [{ id: 1 }] },
})
void bad
