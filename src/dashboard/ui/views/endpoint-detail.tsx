import { useState } from 'preact/hooks'
import { change, getJson } from '../api.js'
import { ErrorBox, KeyValues, Loading, Pre, Section, StatusBadge, useAction, useLoad } from '../components.js'
import { duration, ms, percent, time } from '../format.js'
import { href, navigate } from '../router.js'
import type { Endpoint, EndpointStats, SearchRow } from '../types.js'
import { DeliveryTable } from './delivery-table.js'

export function EndpointDetailView({ id }: { id: string }) {
  const { data, error, reload } = useLoad(
    () => getJson<{ endpoint: Endpoint; stats: EndpointStats; recent: SearchRow[] }>(`endpoints/${encodeURIComponent(id)}`),
    [id],
  )
  const action = useAction()
  const [secret, setSecret] = useState<string | null>(null)
  if (error) return <ErrorBox error={error} />
  if (!data) return <Loading />
  const { endpoint, stats } = data
  const path = `endpoints/${encodeURIComponent(id)}`
  return (
    <div>
      <Section
        title={endpoint.url}
        actions={
          <>
            <button
              class="primary"
              disabled={action.busy || endpoint.disabled}
              data-testid="send-test"
              onClick={() =>
                action.run(() =>
                  change<{ messageId: string }>('POST', `${path}/test`, {}).then((r) => action.setMessage(r.messageId)),
                  reload,
                )
              }
            >
              Send test event
            </button>
            {endpoint.disabled ? (
              <button disabled={action.busy} onClick={() => action.run(() => change('POST', `${path}/enable`), reload)}>
                Enable
              </button>
            ) : (
              <button disabled={action.busy} onClick={() => action.run(() => change('POST', `${path}/disable`, { reason: 'disabled from the dashboard' }), reload)}>
                Disable
              </button>
            )}
            <button
              disabled={action.busy}
              onClick={() => {
                if (confirm('Rotate the signing secret? The old one stays valid for 24 hours.'))
                  action.run(() => change<{ secret: string }>('POST', `${path}/rotate-secret`, { keepOldFor: '24h' }).then((r) => setSecret(r.secret)))
              }}
            >
              Rotate secret
            </button>
            <button
              class="danger"
              disabled={action.busy}
              onClick={() => {
                if (confirm('Delete this endpoint with its deliveries and attempts?')) action.run(() => change('DELETE', path), () => navigate('/endpoints'))
              }}
            >
              Delete
            </button>
          </>
        }
      >
        <ErrorBox error={action.error} />
        {action.message && (
          <div class="notice" role="status">
            Test event sent: <a href={href(`/messages/${action.message}`)}>{action.message}</a>
          </div>
        )}
        <KeyValues
          rows={[
            ['Id', <span class="mono">{endpoint.id}</span>],
            ['State', endpoint.disabled ? `disabled: ${endpoint.disabledReason ?? ''}` : endpoint.failingSince ? `failing since ${time(endpoint.failingSince)}` : 'healthy'],
            ['Circuit', <StatusBadge status={stats.circuit} />],
            ['Tenant', endpoint.tenant ?? '—'],
            ['Description', endpoint.description ?? '—'],
            ['Event types', endpoint.eventTypes.join(', ') || 'all'],
            ['Channels', endpoint.channels.join(', ') || 'all'],
            ['Rate limit', endpoint.rateLimit ? `${endpoint.rateLimit.max} per ${duration(endpoint.rateLimit.perMs)}` : '—'],
            ['Retry schedule', endpoint.retrySchedule ? endpoint.retrySchedule.map(duration).join(', ') : "the relay's"],
            ['Success rate (24 h)', `${percent(stats.attempts.successRate)} of ${stats.attempts.total} attempts, p50 ${ms(stats.attempts.latency.p50Ms)}, p95 ${ms(stats.attempts.latency.p95Ms)}`],
            ['Deliveries', Object.entries(stats.deliveries).map(([k, v]) => `${k} ${v}`).join(' · ')],
            [
              'Signing secret',
              secret ? (
                <span class="mono secret" data-testid="secret">
                  {secret}
                </span>
              ) : (
                <button class="small" onClick={() => action.run(() => getJson<{ secret: string }>(`${path}/secret`).then((r) => setSecret(r.secret)))}>
                  Reveal
                </button>
              ),
            ],
          ]}
        />
        <h3>Custom headers</h3>
        <Pre text={JSON.stringify(endpoint.headers, null, 2)} />
        <h3>Metadata</h3>
        <Pre text={JSON.stringify(endpoint.metadata, null, 2)} />
      </Section>
      <Section title="Recent deliveries">
        <DeliveryTable rows={data.recent} />
      </Section>
    </div>
  )
}
