import { useState } from 'preact/hooks'
import { change, getJson } from '../api.js'
import { Empty, ErrorBox, KeyValues, Loading, Pre, Section, StatusBadge, useAction, useLoad } from '../components.js'
import { ago, prettyJson, time } from '../format.js'
import { href, navigate, type Route } from '../router.js'
import type { InboundMessage, Page } from '../types.js'

export function InboundView({ route }: { route: Route }) {
  const filter = { source: route.query.get('source') ?? '', status: route.query.get('status') ?? '', type: route.query.get('type') ?? '' }
  const [form, setForm] = useState(filter)
  const { data, error, loading } = useLoad(() => getJson<Page<InboundMessage>>('inbound', { ...filter, limit: 100 }), [route.query.toString()])
  return (
    <Section title="Inbound webhooks">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault()
          navigate('/inbound', form)
        }}
      >
        <input placeholder="receiver (source)" value={form.source} onInput={(e) => setForm({ ...form, source: (e.target as HTMLInputElement).value })} aria-label="source" />
        <input placeholder="event type" value={form.type} onInput={(e) => setForm({ ...form, type: (e.target as HTMLInputElement).value })} aria-label="type" />
        <select value={form.status} onChange={(e) => setForm({ ...form, status: (e.target as HTMLSelectElement).value })} aria-label="status">
          <option value="">any status</option>
          {['pending', 'processing', 'processed', 'unhandled', 'dead', 'discarded'].map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={error} />
      {loading && !data ? (
        <Loading />
      ) : !data?.data.length ? (
        <Empty>No received webhooks match.</Empty>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>Id</th>
              <th>Receiver</th>
              <th>Event type</th>
              <th>Status</th>
              <th>Handler runs</th>
              <th>Last error</th>
              <th>Received</th>
            </tr>
          </thead>
          <tbody>
            {data.data.map((m) => (
              <tr>
                <td>
                  <a class="mono" href={href(`/inbound/${m.id}`)}>
                    {m.id}
                  </a>
                </td>
                <td>{m.source}</td>
                <td class="mono">{m.type}</td>
                <td>
                  <StatusBadge status={m.status} />
                </td>
                <td>{m.attempts}</td>
                <td class="ellipsis">{m.lastError ?? '—'}</td>
                <td>{ago(m.receivedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  )
}

export function InboundDetailView({ id }: { id: string }) {
  const { data, error, reload } = useLoad(() => getJson<InboundMessage>(`inbound/${encodeURIComponent(id)}`), [id])
  const action = useAction()
  if (error) return <ErrorBox error={error} />
  if (!data) return <Loading />
  return (
    <Section
      title={`Inbound ${data.id}`}
      actions={
        data.status === 'dead' || data.status === 'unhandled' ? (
          <>
            <button class="primary" disabled={action.busy} onClick={() => action.run(() => change('POST', `inbound/${data.id}/replay`), reload)}>
              Replay
            </button>
            <button disabled={action.busy} onClick={() => action.run(() => change('POST', `inbound/${data.id}/discard`), reload)}>
              Discard
            </button>
          </>
        ) : null
      }
    >
      <ErrorBox error={action.error} />
      <KeyValues
        rows={[
          ['Receiver', data.source],
          ['Webhook id', <span class="mono">{data.webhookId}</span>],
          ['Event type', <span class="mono">{data.type}</span>],
          ['Status', <StatusBadge status={data.status} />],
          ['Handler runs', String(data.attempts)],
          ['Last error', data.lastError ?? '—'],
          ['Received', time(data.receivedAt)],
          ['Processed', time(data.processedAt)],
        ]}
      />
      <h3>Headers</h3>
      <Pre text={JSON.stringify(data.headers, null, 2)} />
      <h3>Payload</h3>
      <Pre text={prettyJson(data.payload)} testid="payload" />
    </Section>
  )
}
