import { ID_ALPHABET } from '../../core/ids.js'
import type { AttemptOutcome, AttemptTrigger, InboundStatus } from '../../core/types.js'
import type { Page } from '../../storage/storage-types.js'
import type { Relay } from '../../relay.js'

/** One line of `hookrelay tail`. Times are when it happened; ids are those the other commands take. */
export type TailEvent =
  | {
      event: 'delivery.attempt'
      at: Date
      attemptId: string
      deliveryId: string
      messageId: string
      endpointId: string
      attempt: number
      outcome: AttemptOutcome
      statusCode: number | null
      durationMs: number
      error: string | null
      trigger: AttemptTrigger
    }
  | {
      event: 'delivery.dead'
      at: Date
      deliveryId: string
      messageId: string
      endpointId: string
      reason: string | null
      lastStatusCode: number | null
      lastError: string | null
    }
  | { event: 'inbound.received'; at: Date; id: string; source: string; webhookId: string; type: string; status: InboundStatus }
  | { event: 'inbound.dead'; at: Date; id: string; source: string; webhookId: string; type: string; reason: string | null; lastError: string | null }
  /** From the Redis driver's channel (`--redis-url`): no table row announces a circuit change as it happens. */
  | { event: 'circuit.opened' | 'circuit.closed'; at: Date; endpointId: string; until: Date | null }

export interface TailFeedOptions {
  /**
   * How far back each poll looks for rows written late: an attempt's id is taken when it starts
   * and its row written when it ends (up to `delivery.timeout` later, plus a batch).
   * @default 60_000
   */
  lookbackMs?: number | undefined
  /** Rows per page. @default 200 */
  pageSize?: number | undefined
  /** Pages per stream and poll at most: under a heavy load the tail shows the newest. @default 25 */
  maxPages?: number | undefined
  /** @default Date.now */
  now?: (() => number) | undefined
}

/** The smallest id of `prefix` at time `ms`: ids are 10 characters of time, then 16 of randomness. */
export function idFloor(prefix: string, ms: number): string {
  let time = ''
  let t = Math.max(0, Math.floor(ms))
  for (let i = 0; i < 10; i++) {
    time = ID_ALPHABET[t % 32]! + time
    t = Math.floor(t / 32)
  }
  return `${prefix}_${time}${'0'.repeat(16)}`
}

/** Ids seen, forgotten once they fall behind the stream's floor (so the set stays bounded). */
class SeenIds {
  readonly #ids = new Set<string>()
  has(id: string): boolean {
    return this.#ids.has(id)
  }
  add(id: string): void {
    this.#ids.add(id)
  }
  forgetBelow(floor: string): void {
    for (const id of this.#ids) if (id < floor) this.#ids.delete(id)
  }
  /** For sets keyed by something else than time (dead letters): keep the newest `max`. */
  cap(max: number): void {
    if (this.#ids.size <= max) return
    for (const id of [...this.#ids].sort().slice(0, this.#ids.size - max)) this.#ids.delete(id)
  }
}

/**
 * What changed in the database since the last poll, read through the relay's lists (newest first,
 * by id, on the primary keys): attempts and received webhooks by id within a look-back window,
 * dead letters (outbound and inbound) as the newest of the dead-letter lists. Works the same on
 * every storage and across processes: the rows are the source of truth, whoever wrote them.
 */
export class TailFeed {
  readonly #relay: Relay
  readonly #lookbackMs: number
  readonly #pageSize: number
  readonly #maxPages: number
  readonly #now: () => number
  readonly #startedAt: number
  readonly #attempts = new SeenIds()
  readonly #inbound = new SeenIds()
  readonly #deadDeliveries = new SeenIds()
  readonly #deadInbound = new SeenIds()
  #primed = false

  constructor(relay: Relay, options: TailFeedOptions = {}) {
    this.#relay = relay
    this.#lookbackMs = options.lookbackMs ?? 60_000
    this.#pageSize = options.pageSize ?? 200
    this.#maxPages = options.maxPages ?? 25
    this.#now = options.now ?? Date.now
    this.#startedAt = this.#now()
  }

  /** The events since the last poll, oldest first. The first poll only notes the dead letters that died before the tail started. */
  async poll(): Promise<TailEvent[]> {
    const now = this.#now()
    const since = Math.max(this.#startedAt, now - this.#lookbackMs)
    const events: TailEvent[] = []

    const attempts = await this.#newRows((cursor) => this.#relay.attempts.list({ limit: this.#pageSize, cursor }), idFloor('att', since), this.#attempts)
    for (const a of attempts) {
      events.push({
        event: 'delivery.attempt',
        at: a.startedAt,
        attemptId: a.id,
        deliveryId: a.deliveryId,
        messageId: a.messageId,
        endpointId: a.endpointId,
        attempt: a.number,
        outcome: a.outcome,
        statusCode: a.statusCode,
        durationMs: a.durationMs,
        error: a.error,
        trigger: a.trigger,
      })
    }
    const received = await this.#newRows((cursor) => this.#relay.inbound.list({ limit: this.#pageSize, cursor }), idFloor('in', since), this.#inbound)
    for (const m of received) {
      events.push({ event: 'inbound.received', at: m.receivedAt, id: m.id, source: m.source, webhookId: m.webhookId, type: m.type, status: m.status })
    }

    const dead = await this.#relay.dlq.list({ limit: 100 })
    for (const d of [...dead.data].reverse()) {
      if (this.#deadDeliveries.has(d.id)) continue
      this.#deadDeliveries.add(d.id)
      if (!this.#primed && this.#before((d.completedAt ?? d.updatedAt).getTime())) continue
      events.push({
        event: 'delivery.dead',
        at: d.completedAt ?? d.updatedAt,
        deliveryId: d.id,
        messageId: d.messageId,
        endpointId: d.endpointId,
        reason: d.deadReason,
        lastStatusCode: d.lastStatusCode,
        lastError: d.lastError,
      })
    }
    const deadInbound = await this.#relay.inbound.list({ status: 'dead', limit: 100 })
    for (const m of [...deadInbound.data].reverse()) {
      if (this.#deadInbound.has(m.id)) continue
      this.#deadInbound.add(m.id)
      if (!this.#primed && this.#before((m.processedAt ?? m.updatedAt).getTime())) continue
      events.push({ event: 'inbound.dead', at: m.processedAt ?? m.updatedAt, id: m.id, source: m.source, webhookId: m.webhookId, type: m.type, reason: m.deadReason, lastError: m.lastError })
    }
    this.#deadDeliveries.cap(10_000)
    this.#deadInbound.cap(10_000)
    this.#primed = true
    return events.sort((a, b) => a.at.getTime() - b.at.getTime())
  }

  /**
   * A dead letter the first poll finds was there before the tail started if it died before then:
   * one that died while the first poll was on its way (a slow start on a busy machine) is new.
   */
  #before(at: number): boolean {
    return at < this.#startedAt
  }

  /** Rows with an id at or above `floor` not seen before, oldest first. */
  async #newRows<T extends { id: string }>(list: (cursor: string | undefined) => Promise<Page<T>>, floor: string, seen: SeenIds): Promise<T[]> {
    const fresh: T[] = []
    let cursor: string | undefined
    for (let page = 0; page < this.#maxPages; page++) {
      const { data, nextCursor } = await list(cursor)
      let reachedFloor = false
      for (const row of data) {
        if (row.id < floor) {
          reachedFloor = true
          break
        }
        if (!seen.has(row.id)) {
          seen.add(row.id)
          fresh.push(row)
        }
      }
      if (reachedFloor || nextCursor === null) break
      cursor = nextCursor
    }
    seen.forgetBelow(floor)
    return fresh.reverse()
  }
}
