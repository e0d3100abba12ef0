import type { AttemptRecord, DeliveryRecord, Relay } from '../../../src/index.js'
import type { AttemptFilter, DeliveryFilter, Page } from '../../../src/storage/storage.js'

/** Everything the relay recorded about its deliveries, read through its public API. */
export interface Ledger {
  deliveries: DeliveryRecord[]
  attempts: AttemptRecord[]
}

async function all<T, F extends { limit?: number; cursor?: string | null }>(list: (filter: F) => Promise<Page<T>>, filter: F): Promise<T[]> {
  const rows: T[] = []
  let cursor: string | null = null
  do {
    const page: Page<T> = await list({ ...filter, limit: 1000, cursor })
    rows.push(...page.data)
    cursor = page.nextCursor
  } while (cursor !== null)
  return rows
}

export async function readLedger(relay: Relay, filter: { endpointId?: string } = {}): Promise<Ledger> {
  const [deliveries, attempts] = await Promise.all([
    all<DeliveryRecord, DeliveryFilter>((f) => relay.deliveries.list(f), { ...filter }),
    all<AttemptRecord, AttemptFilter>((f) => relay.attempts.list(f), { ...filter }),
  ])
  return { deliveries, attempts }
}

const TERMINAL = new Set(['succeeded', 'dead', 'discarded'])

/**
 * What a chaos run is judged on: the messages the relay accepted against the requests a receiver
 * saw and the attempts the relay logged.
 */
export interface Reconciliation {
  /** Messages accepted by `send()`. */
  sent: number
  /** Accepted messages the receiver never saw. Must be empty. */
  lost: string[]
  /** Requests beyond the first per webhook-id. */
  duplicates: number
  /** The most requests any one webhook-id got. */
  maxCopies: number
  /** Deliveries not in succeeded / dead / discarded. Must be empty once the run settled. */
  notTerminal: string[]
  /** Deliveries marked succeeded without a logged 2xx attempt. Must be empty. */
  succeededWithout2xx: string[]
  /** Messages with more answered attempts logged than requests received. Must be empty. */
  overLogged: string[]
  /** Requests received that no logged attempt accounts for (a worker died before writing it). */
  unlogged: number
  /** Logged attempts, and requests received. */
  attempts: number
  received: number
}

export function reconcile(sentIds: Iterable<string>, ledger: Ledger, receivedWebhookIds: readonly (string | undefined)[]): Reconciliation {
  const sent = new Set(sentIds)
  const receivedBy = new Map<string, number>()
  for (const id of receivedWebhookIds) if (id) receivedBy.set(id, (receivedBy.get(id) ?? 0) + 1)
  const answeredBy = new Map<string, number>()
  const twoXx = new Set<string>()
  for (const attempt of ledger.attempts) {
    if (attempt.statusCode === null) continue
    answeredBy.set(attempt.messageId, (answeredBy.get(attempt.messageId) ?? 0) + 1)
    if (attempt.statusCode >= 200 && attempt.statusCode < 300) twoXx.add(attempt.deliveryId)
  }
  let unlogged = 0
  const overLogged: string[] = []
  for (const [id, count] of receivedBy) unlogged += Math.max(0, count - (answeredBy.get(id) ?? 0))
  for (const [id, count] of answeredBy) if (count > (receivedBy.get(id) ?? 0)) overLogged.push(id)
  return {
    sent: sent.size,
    lost: [...sent].filter((id) => !receivedBy.has(id)),
    duplicates: receivedWebhookIds.length - receivedBy.size,
    maxCopies: Math.max(0, ...receivedBy.values()),
    notTerminal: ledger.deliveries.filter((d) => !TERMINAL.has(d.status)).map((d) => `${d.id}:${d.status}`),
    succeededWithout2xx: ledger.deliveries.filter((d) => d.status === 'succeeded' && !twoXx.has(d.id)).map((d) => d.id),
    overLogged,
    unlogged,
    attempts: ledger.attempts.length,
    received: receivedWebhookIds.length,
  }
}
