import type { EndpointRecord } from '../../core/types.js'
import type { Page, EndpointFilter, EndpointPatch, EndpointInsertResult } from '../storage-types.js'

/**
 * Endpoints as operators and workers keep them: the rows with their secrets, and the circuit state workers share. Used by `outbound/endpoints.ts`, the delivery gate and stored circuits.
 * One of the narrow ports `Storage` is made of (see `../storage.ts`).
 */
export interface EndpointStore {
  /** Stores a new endpoint (its secrets included). */
  insertEndpoint(endpoint: EndpointRecord): Promise<void>

  /**
   * Stores an endpoint that has a `uid` unless its tenant already has a live endpoint with that
   * uid, which it then returns instead. Concurrent calls with one uid store one endpoint.
   */
  insertEndpointOnce(endpoint: EndpointRecord): Promise<EndpointInsertResult>

  /** The endpoint, or `undefined` if it does not exist. */
  getEndpoint(id: string): Promise<EndpointRecord | undefined>

  /** The live endpoint with this uid in `tenant` (`null`: no tenant), or `undefined`. */
  getEndpointByUid(uid: string, tenant: string | null): Promise<EndpointRecord | undefined>

  /** Endpoints matching `filter`, newest first, a page at a time. */
  listEndpoints(filter: EndpointFilter): Promise<Page<EndpointRecord>>

  /** Applies `patch` and returns the updated endpoint, or `undefined` if it does not exist. */
  updateEndpoint(id: string, patch: EndpointPatch): Promise<EndpointRecord | undefined>

  /**
   * Deletes the endpoint (a mark: it leaves lists and routing, `getEndpoint` no longer finds it) and
   * discards its unfinished deliveries (`pending`, `delivering`: reason `endpoint_deleted`) and its
   * dead letters. Its deliveries and attempts stay until retention purges them. Returns false if it
   * did not exist or was deleted already.
   */
  deleteEndpoint(id: string, at?: Date): Promise<boolean>

  /** Records an endpoint's circuit as a worker changed it: open until `openUntil`, or closed (`null`). */
  setEndpointCircuit(id: string, openUntil: Date | null): Promise<void>

  /** The circuit as the workers left it; `undefined` if the endpoint does not exist. */
  getEndpointCircuit(id: string): Promise<{ openUntil: Date | null } | undefined>
}
