import type { z } from 'zod'
import { ValidationError } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { EndpointRecord, EndpointSecret } from '../core/types.js'
import type { EndpointStore } from '../storage/storage.js'
import type { endpointInputSchema } from './endpoint-input.js'
import { circuitSettings, rateLimitMs, REDACTED, retryMs } from './endpoint-views.js'

/** An endpoint as `endpoints.create()` validated it. */
export type ParsedEndpointInput = z.output<typeof endpointInputSchema>

/** The stored record of a new endpoint: defaults filled in, durations in milliseconds. */
export function newEndpointRecord(parsed: ParsedEndpointInput, secret: string, now: Date): EndpointRecord {
  return {
    id: newId('ep', now.getTime()),
    uid: parsed.uid ?? null,
    tenant: parsed.tenant ?? null,
    url: parsed.url,
    description: parsed.description ?? null,
    eventTypes: parsed.eventTypes ?? [],
    channels: parsed.channels ?? [],
    secrets: [{ secret, expiresAt: null }],
    headers: parsed.headers ?? {},
    metadata: parsed.metadata ?? {},
    ...retryMs(parsed.retry),
    rateLimit: rateLimitMs(parsed.rateLimit),
    maxConcurrency: parsed.maxConcurrency ?? null,
    ordering: parsed.ordering ?? 'none',
    circuitBreaker: circuitSettings(parsed.circuitBreaker),
    filter: parsed.filter ?? null,
    disabledAt: parsed.disabled ? now : null,
    disabledReason: parsed.disabled ? 'created disabled' : null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  }
}

/**
 * The secrets after a rotation to `secret`: it first, then every secret still valid at `now`,
 * each kept until `keepMs` from now (or its own earlier expiry), so receivers can switch over.
 */
export function rotatedSecrets(current: readonly EndpointSecret[], secret: string, now: number, keepMs: number): EndpointSecret[] {
  const stillValid = keepMs === 0 ? [] : current.filter((s) => s.expiresAt === null || s.expiresAt.getTime() > now)
  return [{ secret, expiresAt: null }, ...stillValid.map((s) => ({ secret: s.secret, expiresAt: s.expiresAt ?? new Date(now + keepMs) }))]
}

/** Headers of an update where a value sent back as it was read (`REDACTED`) keeps its stored value. */
export function keepRedactedHeaders(given: Record<string, string>, stored: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(given).flatMap(([name, value]) => {
      if (value !== REDACTED) return [[name, value]]
      const kept = Object.entries(stored).find(([n]) => n.toLowerCase() === name.toLowerCase())
      return kept ? [[name, kept[1]]] : []
    }),
  )
}

/**
 * The tenant and uid an update leaves `current` with (the storage keys uniqueness on both),
 * refusing a uid another endpoint of that tenant has.
 */
export async function namingAfterUpdate(
  store: Pick<EndpointStore, 'getEndpointByUid'>,
  current: EndpointRecord,
  tenant: string | null | undefined,
  uid: string | null | undefined,
): Promise<{ tenant: string | null; uid: string | null }> {
  const next = { tenant: tenant === undefined ? current.tenant : tenant, uid: uid === undefined ? current.uid : uid }
  const holder = next.uid === null ? undefined : await store.getEndpointByUid(next.uid, next.tenant)
  if (holder && holder.id !== current.id) {
    throw new ValidationError(`endpoint update: uid ${JSON.stringify(next.uid)} is already used by endpoint ${holder.id} in this tenant; uids are unique per tenant.`, [
      { path: ['uid'], message: 'already used in this tenant' },
    ])
  }
  return next
}
