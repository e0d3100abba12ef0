import { useState } from 'preact/hooks'
import { change, getJson } from '../api.js'
import { Empty, ErrorBox, Loading, Section, StatusBadge, useAction, useLoad } from '../components.js'
import { ago, duration, percent } from '../format.js'
import { href } from '../router.js'
import type { Endpoint, EndpointStats, Page } from '../types.js'

/** A form to add an endpoint; its secret is shown once, after creation. */
function NewEndpoint({ onCreated }: { onCreated: () => void }) {
  const [open, setOpen] = useState(false)
  const [url, setUrl] = useState('')
  const [types, setTypes] = useState('')
  const [description, setDescription] = useState('')
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null)
  const action = useAction()
  if (!open) {
    return (
      <button class="primary" onClick={() => setOpen(true)} data-testid="new-endpoint">
        New endpoint
      </button>
    )
  }
  const submit = (e: Event) => {
    e.preventDefault()
    const eventTypes = types.split(',').map((t) => t.trim()).filter(Boolean)
    action.run(
      () =>
        change<{ id: string; secret: string }>('POST', 'endpoints', { url, ...(eventTypes.length && { eventTypes }), ...(description && { description }) }).then((r) =>
          setCreated({ id: r.id, secret: r.secret }),
        ),
      onCreated,
    )
  }
  return (
    <div class="panel-form">
      <form class="filters" onSubmit={submit}>
        <input class="wide" required type="url" placeholder="https://example.com/webhooks" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} aria-label="url" />
        <input placeholder="event types, e.g. order.*, invoice.paid" value={types} onInput={(e) => setTypes((e.target as HTMLInputElement).value)} aria-label="event types" />
        <input placeholder="description" value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} aria-label="description" />
        <button type="submit" class="primary" disabled={action.busy}>
          Create
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Close
        </button>
      </form>
      <ErrorBox error={action.error} />
      {created && (
        <div class="notice" role="status">
          Created {created.id}. Its signing secret (shown once here; reveal it later on the endpoint's page):{' '}
          <span class="mono secret">{created.secret}</span>
        </div>
      )}
    </div>
  )
}

export function EndpointsView() {
  const { data, error, loading, reload } = useLoad(() => getJson<Page<{ endpoint: Endpoint; stats: EndpointStats }>>('endpoints', { limit: 100 }), [])
  return (
    <Section title="Endpoints" actions={<NewEndpoint onCreated={reload} />}>
      <ErrorBox error={error} />
      {loading && !data ? (
        <Loading />
      ) : !data?.data.length ? (
        <Empty>No endpoints yet.</Empty>
      ) : (
        <table class="table" data-testid="endpoint-table">
          <thead>
            <tr>
              <th>URL</th>
              <th>Tenant</th>
              <th>Health (24 h)</th>
              <th>Circuit</th>
              <th>Rate limit</th>
              <th>Dead</th>
              <th>Last failure</th>
            </tr>
          </thead>
          <tbody>
            {data.data.map(({ endpoint, stats }) => (
              <tr data-endpoint-id={endpoint.id}>
                <td class="ellipsis">
                  <a href={href(`/endpoints/${endpoint.id}`)}>{endpoint.url}</a>
                  <div class="muted small mono">{endpoint.id}</div>
                </td>
                <td>{endpoint.tenant ?? '—'}</td>
                <td>
                  {endpoint.disabled ? <StatusBadge status="disabled" /> : endpoint.failingSince ? <StatusBadge status="failing" /> : <StatusBadge status="healthy" />}{' '}
                  <span class="muted">{percent(stats.attempts.successRate)}</span>
                </td>
                <td>
                  <StatusBadge status={stats.circuit} />
                </td>
                <td>{endpoint.rateLimit ? `${endpoint.rateLimit.max} / ${duration(endpoint.rateLimit.perMs)}` : '—'}</td>
                <td>{stats.deliveries.dead}</td>
                <td class="ellipsis">
                  {stats.lastFailure ? (
                    <>
                      {ago(stats.lastFailure.at)} <span class="muted">{stats.lastFailure.statusCode ?? stats.lastFailure.error ?? ''}</span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  )
}
