import type { CatalogEntry } from '../catalog/catalog-listing.js'
import type { RelayErrorEvent } from '../core/events.js'
import type { RelayStats, StatsOptions } from '../core/operations.js'
import type { InboundOperations } from '../inbound/inbound.js'
import type { Endpoints } from '../outbound/endpoints.js'
import type { AttemptOperations, DeliveryOperations, MessageOperations } from '../relay-operations.js'
import type { Storage } from '../storage/storage.js'
import type { DeadLetters } from './dead-letters.js'

/**
 * What the admin API uses of a relay: its operations, its stats and catalog, a storage ping for
 * `/health`, and `error` events. `Relay` is one; admin/ depends on this port, not on the class.
 */
export interface AdminRelay {
  readonly storage: Pick<Storage, 'listEndpoints' | 'dialect'>
  readonly endpoints: Endpoints
  readonly messages: MessageOperations
  readonly deliveries: DeliveryOperations
  readonly attempts: AttemptOperations
  readonly dlq: DeadLetters
  readonly inbound: InboundOperations
  stats(options?: StatsOptions): Promise<RelayStats>
  catalog(): CatalogEntry[]
  emit(name: 'error', event: RelayErrorEvent): boolean
}
