/** The shapes the JSON routes answer, as the UI reads them (dates arrive as ISO strings). */

export type DeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'dead' | 'discarded'

export interface Delivery {
  id: string
  messageId: string
  endpointId: string
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: string | null
  lastStatusCode: number | null
  lastError: string | null
  deadReason: string | null
  createdAt: string
  updatedAt: string
  completedAt: string | null
}

export interface SearchRow {
  delivery: Delivery
  message: { id: string; type: string; tenant: string | null; createdAt: string } | null
  endpoint: { id: string; url: string } | null
}

export interface Page<T> {
  data: T[]
  nextCursor: string | null
}

export interface Attempt {
  id: string
  deliveryId: string
  number: number
  startedAt: string
  durationMs: number
  statusCode: number | null
  responseBody: string | null
  error: string | null
  outcome: 'succeeded' | 'failed' | 'dead'
  trigger: 'scheduled' | 'manual'
  /** The request headers as sent, signature and custom header values redacted; null when the endpoint is gone. */
  requestHeaders?: Record<string, string> | null
}

export interface Endpoint {
  id: string
  tenant: string | null
  url: string
  description: string | null
  eventTypes: string[]
  channels: string[]
  headers: Record<string, string>
  metadata: Record<string, unknown>
  retrySchedule: number[] | null
  rateLimit: { max: number; perMs: number } | null
  maxConcurrency: number | null
  ordering: string
  disabled: boolean
  disabledReason: string | null
  failingSince: string | null
  createdAt: string
}

export interface AttemptSummary {
  total: number
  succeeded: number
  failed: number
  successRate: number | null
  latency: { p50Ms: number | null; p95Ms: number | null }
}

export interface EndpointStats {
  deliveries: Record<DeliveryStatus, number>
  attempts: AttemptSummary
  circuit: 'closed' | 'open' | 'half_open'
  lastFailure: { at: string; deliveryId: string; statusCode: number | null; error: string | null } | null
}

export interface Overview {
  title: string
  stats: {
    deliveries: Record<DeliveryStatus, number>
    inbound: Record<string, number>
    messages: number
    attempts: AttemptSummary
    endpoints: { total: number; disabled: number; failing: number }
    lagMs: number
  }
  circuits: { endpointId: string; state: 'open' | 'half_open' }[]
}

export interface InboundMessage {
  id: string
  source: string
  webhookId: string
  type: string
  payload: string
  headers: Record<string, string>
  status: string
  attempts: number
  lastError: string | null
  deadReason: string | null
  receivedAt: string
  processedAt: string | null
}

export interface LiveEvent {
  name: string
  at: number
  data: Record<string, unknown>
}

export interface LiveFrame {
  at: number
  intervalMs: number
  counts: Record<string, number>
  events: LiveEvent[]
  dropped: number
  circuits: Record<string, string>
}
