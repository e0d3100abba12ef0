import { getJson } from '../api.js'
import { ThroughputChart } from '../chart.js'
import { Card, ErrorBox, Section, useLoad } from '../components.js'
import { clock, ms, percent, rate } from '../format.js'
import { useLive } from '../live.js'
import { href } from '../router.js'
import type { LiveEvent, Overview } from '../types.js'
import { useEffect } from 'preact/hooks'

const RATE_WINDOW = 5

export function OverviewView() {
  const live = useLive()
  const { data, error, reload } = useLoad(() => getJson<Overview>('overview'), [])
  // Counts from the database refresh every few seconds; the live numbers come from the feed.
  useEffect(() => {
    const timer = setInterval(reload, 5000)
    return () => clearInterval(timer)
  }, [reload])
  const recent = live.seconds.slice(-RATE_WINDOW - 1, -1)
  const sum = (key: 'succeeded' | 'failed' | 'deferred') => recent.reduce((n, s) => n + s[key], 0)
  const seconds = Math.max(1, recent.length)
  const stats = data?.stats
  const circuits = { ...Object.fromEntries((data?.circuits ?? []).map((c) => [c.endpointId, c.state])), ...live.circuits }
  const notClosed = Object.entries(circuits).filter(([, state]) => state !== 'closed')
  return (
    <div>
      <ErrorBox error={error} />
      <div class="cards">
        <Card label="Succeeded / s" value={rate(sum('succeeded'), seconds)} tone="ok" testid="rate-succeeded" hint={`last ${RATE_WINDOW} s`} />
        <Card label="Failed / s" value={rate(sum('failed'), seconds)} tone="bad" testid="rate-failed" hint={`last ${RATE_WINDOW} s`} />
        <Card label="Deferred / s" value={rate(sum('deferred'), seconds)} tone="warn" testid="rate-deferred" hint={`last ${RATE_WINDOW} s`} />
        <Card label="Success rate" value={percent(stats?.attempts.successRate ?? null)} hint={`${stats?.attempts.total ?? 0} attempts, 1 h`} testid="success-rate" />
        <Card label="Latency p50 / p95" value={`${ms(stats?.attempts.latency.p50Ms)} / ${ms(stats?.attempts.latency.p95Ms)}`} hint="1 h" />
        <Card label="Pending" value={String((stats?.deliveries.pending ?? 0) + (stats?.deliveries.delivering ?? 0))} hint={`lag ${ms(stats?.lagMs ?? 0)}`} testid="pending" />
        <Card label="Dead letters" value={<a href={href('/dlq')}>{String(stats?.deliveries.dead ?? 0)}</a>} tone={stats?.deliveries.dead ? 'bad' : undefined} testid="dead" />
        <Card label="Inbound pending / dead / unhandled" value={`${(stats?.inbound.pending ?? 0) + (stats?.inbound.processing ?? 0)} / ${stats?.inbound.dead ?? 0} / ${stats?.inbound.unhandled ?? 0}`} />
        <Card label="Endpoints" value={String(stats?.endpoints.total ?? 0)} hint={`${stats?.endpoints.failing ?? 0} failing, ${stats?.endpoints.disabled ?? 0} disabled`} />
      </div>
      <div class="grid-2">
        <Section title="Throughput" actions={<span class={`dot ${live.connected ? 'dot-on' : 'dot-off'}`}>{live.connected ? 'live' : 'reconnecting'}</span>}>
          <ThroughputChart seconds={live.seconds} span={60} />
          <h3>Circuits</h3>
          {notClosed.length === 0 ? (
            <div class="muted" data-testid="circuits">All circuits closed.</div>
          ) : (
            <ul class="circuits" data-testid="circuits">
              {notClosed.map(([endpointId, state]) => (
                <li>
                  <span class={`badge badge-${state}`}>{state.replace('_', ' ')}</span> <a href={href(`/endpoints/${endpointId}`)}>{endpointId}</a>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Live events" actions={live.dropped > 0 ? <span class="muted">{live.dropped} not listed (counted)</span> : null}>
          <ol class="feed" data-testid="live-feed">
            {live.events.length === 0 && <li class="muted">Waiting for events…</li>}
            {live.events.slice(0, 100).map((event) => (
              <FeedItem event={event} />
            ))}
          </ol>
        </Section>
      </div>
    </div>
  )
}

function FeedItem({ event }: { event: LiveEvent }) {
  const d = event.data
  const messageId = typeof d.messageId === 'string' ? d.messageId : null
  const tone = event.name.endsWith('succeeded') || event.name.endsWith('processed') || event.name === 'circuit.closed' ? 'ok' : event.name.endsWith('dead') || event.name.endsWith('failed') || event.name === 'error' || event.name.endsWith('rejected') || event.name === 'circuit.opened' ? 'bad' : event.name.endsWith('deferred') || event.name === 'inbound.unhandled' ? 'warn' : 'info'
  const detail = [d.type, d.statusCode !== undefined && d.statusCode !== null ? `HTTP ${String(d.statusCode)}` : null, d.reason, d.error, d.source, d.attempt !== undefined ? `attempt ${String(d.attempt)}` : null]
    .filter((v) => v !== undefined && v !== null && v !== '')
    .map(String)
    .join(' · ')
  return (
    <li class={`feed-item tone-${tone}`} data-event={event.name} data-message-id={messageId ?? undefined}>
      <span class="feed-time">{clock(event.at)}</span>
      <span class="feed-name">{event.name}</span>
      {messageId ? (
        <a class="feed-detail" href={href(`/messages/${messageId}`)} title={messageId}>
          {detail || messageId}
        </a>
      ) : (
        <span class="feed-detail">{detail}</span>
      )}
    </li>
  )
}
