import { z } from 'zod'
import { INBOUND_STATUSES } from '../core/types.js'
import { parseOrThrow } from '../core/validation.js'
import type { Relay } from '../relay.js'
import { endpointDetail, endpointsWithStats, messageDetail, pageQuery, sendTestEvent, testEventBody } from './dashboard-queries.js'
import { flatQuery, JsonRouter, Status } from './json-router.js'
import type { LiveFeed } from './live-feed.js'
import { messageSearchQuery, searchMessages } from './message-search.js'

/** What every dashboard route can use. */
export interface RouteContext {
  relay: Relay
  feed: LiveFeed
  title: string
}

/**
 * The operator dashboard's own routes under `/api` (reads, and "send test event"). Other changes (replay, discard, endpoint changes,
 * secret reveal) are the admin API's routes, which the handler serves under `/api` after these.
 */
export const dashboardRoutes = new JsonRouter<RouteContext>()
  .add('GET', '/overview', async ({ relay, feed, title }) => {
    const stats = await relay.stats({ window: '1h' })
    const circuits = [...feed.circuitStates].filter(([, state]) => state !== 'closed').map(([endpointId, state]) => ({ endpointId, state }))
    return { title, stats, circuits }
  })
  .add('GET', '/endpoints', async ({ relay }, _p, request) =>
    endpointsWithStats(relay, parseOrThrow(pageQuery.extend({ tenant: z.string().min(1).max(200).optional() }), flatQuery(request), 'query')),
  )
  .add('GET', '/endpoints/:id', async ({ relay }, { id }) => endpointDetail(relay, id!))
  .add('POST', '/endpoints/:id/test', async ({ relay }, { id }, request) =>
    new Status(201, await sendTestEvent(relay, id!, parseOrThrow(testEventBody, request.body ?? {}, 'body').type)),
  )
  .add('GET', '/messages', async ({ relay }, _p, request) => searchMessages(relay, parseOrThrow(messageSearchQuery, flatQuery(request), 'query')))
  .add('GET', '/messages/:id', async ({ relay }, { id }) => messageDetail(relay, id!))
  .add('GET', '/dlq', async ({ relay }, _p, request) => {
    const query = parseOrThrow(messageSearchQuery.omit({ status: true, statusClass: true }), flatQuery(request), 'query')
    return searchMessages(relay, { ...query, status: 'dead' })
  })
  .add('GET', '/inbound', async ({ relay }, _p, request) => {
    const query = parseOrThrow(
      pageQuery.extend({
        source: z.string().min(1).max(200).optional(),
        type: z.string().min(1).max(200).optional(),
        status: z.enum(INBOUND_STATUSES).optional(),
      }),
      flatQuery(request),
      'query',
    )
    return relay.inbound.list({ ...query, limit: query.limit ?? 50 })
  })
  .add('GET', '/inbound/:id', async ({ relay }, { id }) => relay.inbound.get(id!))
