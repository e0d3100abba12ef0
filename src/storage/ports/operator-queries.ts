import type { PortalSessionStore } from '../kysely/portal-sessions.js'
import type { EndpointNoticeStore } from '../kysely/endpoints/endpoint-notices.js'
import type { DeliveryIdFilter, EndpointStatsRecord, PurgeBatchResult, RelayStatsRecord, TimeWindow } from '../operations.js'
import type { Page, InboundFilter } from '../storage-types.js'

/**
 * Operators' bulk queries (see `operations.ts`): id selections for bulk replay, statistics, disabling failing endpoints, retention. Never on the hot path.
 * One of the narrow ports `Storage` is made of (see `../storage.ts`).
 */
export interface OperatorQueries {
  /** Ids of deliveries matching `filter`, newest first (`limit` default and max 1000), for bulk replay and recovery. */
  listDeliveryIds(filter: DeliveryIdFilter): Promise<Page<string>>

  /** Ids of inbound messages matching `filter`, newest first (`limit` default and max 1000). */
  listInboundMessageIds(filter: InboundFilter): Promise<Page<string>>

  /** One endpoint's deliveries by status, its attempts started within `window`, its last failure. */
  endpointStats(endpointId: string, window: TimeWindow): Promise<EndpointStatsRecord>

  /** Relay-wide counts, attempts and messages within `window`, and the oldest due delivery at `now`. */
  relayStats(window: TimeWindow, now: Date): Promise<RelayStatsRecord>

  /**
   * Disables the enabled endpoints whose `failingSince` is at or before `failingBefore`, with
   * `reason`; returns their ids. Endpoint health runs this periodically, never on the hot path.
   */
  disableFailingEndpoints(failingBefore: Date, reason: string, at: Date): Promise<string[]>

  /** Which failing shares were announced, per episode (owner notifications; see kysely/endpoints/endpoint-notices.ts). */
  readonly notices: EndpointNoticeStore

  /** Tenant portal links and sessions, shared by every process on the database (see `kysely/portal-sessions.ts`). */
  readonly portalSessions: PortalSessionStore

  /**
   * Retention, one short transaction per call, at most `limit` rows each: deliveries that ended
   * (succeeded, dead, discarded) before `olderThan` with their attempts; messages created before
   * `olderThan` without any delivery left; inbound messages processed, unhandled or discarded before it.
   * Pending and in-flight work is never touched.
   */
  purgeDeliveries(olderThan: Date, limit: number): Promise<PurgeBatchResult>

  /** Deletes up to `limit` messages created before `olderThan` that have no deliveries left; returns how many. */
  purgeMessages(olderThan: Date, limit: number): Promise<number>

  /** Deletes up to `limit` processed, unhandled or discarded received webhooks that ended before `olderThan`; returns how many. */
  purgeInboundMessages(olderThan: Date, limit: number): Promise<number>
}
