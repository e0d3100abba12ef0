import type { EndpointRecord } from '../../core/types.js'

/**
 * The `retry_schedule` column of endpoints holds JSON: an array of delays in ms (the endpoint's
 * schedule for every type), as it always has, or — once schedules by event type are set — an
 * object `{ "schedule": [...] | null, "byType": { "invoice.paid": [...] } }`. Rows written before
 * schedules by type existed read as they did; an endpoint without them is still written as an array.
 */
type Stored = number[] | { schedule: number[] | null; byType: Record<string, number[]> }

export function retryFromColumn(value: string | null): Pick<EndpointRecord, 'retrySchedule' | 'retryByType'> {
  if (value === null) return { retrySchedule: null, retryByType: null }
  const stored = JSON.parse(value) as Stored
  if (Array.isArray(stored)) return { retrySchedule: stored, retryByType: null }
  return { retrySchedule: stored.schedule ?? null, retryByType: stored.byType }
}

export function retryToColumn(retrySchedule: number[] | null | undefined, retryByType: Record<string, number[]> | null | undefined): string | null {
  if (retryByType && Object.keys(retryByType).length > 0) return JSON.stringify({ schedule: retrySchedule ?? null, byType: retryByType })
  return retrySchedule ? JSON.stringify(retrySchedule) : null
}
