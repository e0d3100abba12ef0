import { useState } from 'preact/hooks'
import { getJson, isPortal } from '../api.js'
import { ErrorBox, Loading, Section, useLoad } from '../components.js'
import { navigate, type Route } from '../router.js'
import type { Page, SearchRow } from '../types.js'
import { DeliveryTable } from './delivery-table.js'

const FIELDS = ['q', 'type', 'status', 'statusClass', 'endpointId', 'tenant', 'since', 'until'] as const

/** Search: the form writes the query into the URL (shareable), the table reads it from there. */
export function MessagesView({ route }: { route: Route }) {
  const query = Object.fromEntries(FIELDS.map((f) => [f, route.query.get(f) ?? ''])) as Record<(typeof FIELDS)[number], string>
  const [form, setForm] = useState(query)
  const [more, setMore] = useState<{ rows: SearchRow[]; cursor: string | null } | null>(null)
  const key = route.query.toString()
  const { data, error, loading } = useLoad(() => {
    setMore(null)
    return getJson<Page<SearchRow>>('messages', { ...query, since: toIso(query.since), until: toIso(query.until), limit: 50 })
  }, [key])
  const rows = [...(data?.data ?? []), ...(more?.rows ?? [])]
  const cursor = more ? more.cursor : (data?.nextCursor ?? null)
  const [moreError, setMoreError] = useState<string | null>(null)
  const loadMore = () => {
    if (!cursor) return
    getJson<Page<SearchRow>>('messages', { ...query, since: toIso(query.since), until: toIso(query.until), limit: 50, cursor }).then(
      (page) => setMore({ rows: [...(more?.rows ?? []), ...page.data], cursor: page.nextCursor }),
      (e: unknown) => setMoreError(String(e)),
    )
  }
  const set = (field: (typeof FIELDS)[number]) => (e: Event) => setForm({ ...form, [field]: (e.target as HTMLInputElement).value })
  return (
    <Section title="Messages">
      <form
        class="filters"
        data-testid="search-form"
        onSubmit={(e) => {
          e.preventDefault()
          navigate('/messages', form)
        }}
      >
        <input name="q" class="wide" placeholder="Event type, msg_…, dlv_… or ep_… id" value={form.q} onInput={set('q')} aria-label="search" />
        <select name="status" value={form.status} onChange={set('status')} aria-label="status">
          <option value="">any status</option>
          {['pending', 'delivering', 'succeeded', 'dead', 'discarded'].map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
        <select name="statusClass" value={form.statusClass} onChange={set('statusClass')} aria-label="response class">
          <option value="">any response</option>
          {['2xx', '3xx', '4xx', '5xx', 'none'].map((s) => (
            <option value={s}>{s === 'none' ? 'no response' : s}</option>
          ))}
        </select>
        {!isPortal && <input name="tenant" placeholder="tenant" value={form.tenant} onInput={set('tenant')} aria-label="tenant" />}
        <input name="endpointId" placeholder="endpoint id" value={form.endpointId} onInput={set('endpointId')} aria-label="endpoint" />
        <input name="since" type="datetime-local" value={form.since} onInput={set('since')} aria-label="since" />
        <input name="until" type="datetime-local" value={form.until} onInput={set('until')} aria-label="until" />
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      <ErrorBox error={error ?? moreError} />
      {loading && !data ? <Loading /> : <DeliveryTable rows={rows} />}
      {cursor && (
        <button class="more" onClick={loadMore} data-testid="load-more">
          Load more
        </button>
      )}
    </Section>
  )
}

/** A datetime-local value (local time) as ISO, or undefined. */
function toIso(value: string): string | undefined {
  if (!value) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}
