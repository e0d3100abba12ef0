import { useState } from 'preact/hooks'
import { change, getJson, isPortal } from '../api.js'
import { ErrorBox, Loading, Section, useAction, useLoad } from '../components.js'
import { navigate, type Route } from '../router.js'
import type { Page, SearchRow } from '../types.js'
import { DeliveryTable } from './delivery-table.js'

/** The outbound dead-letter queue: filter, select, replay one, replay selected or all matching, discard. */
export function DeadLettersView({ route }: { route: Route }) {
  const filter = { type: route.query.get('type') ?? '', endpointId: route.query.get('endpointId') ?? '', tenant: route.query.get('tenant') ?? '' }
  const [form, setForm] = useState(filter)
  const [selected, setSelected] = useState<Set<string>>(new Set())
  const { data, error, loading, reload } = useLoad(() => getJson<Page<SearchRow>>('dlq', { ...filter, limit: 100 }), [route.query.toString()])
  const action = useAction()
  const done = (text: string) => () => {
    setSelected(new Set())
    action.setMessage(text)
    reload()
  }
  const toggle = (id: string) => {
    const next = new Set(selected)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    setSelected(next)
  }
  const hasFilter = Boolean(filter.type || filter.endpointId || filter.tenant)
  const replayAll = () => {
    const body = hasFilter ? Object.fromEntries(Object.entries({ eventType: filter.type, endpointId: filter.endpointId, tenant: filter.tenant }).filter(([, v]) => v)) : { all: true }
    if (!confirm(hasFilter ? 'Replay every dead letter matching the filter?' : 'Replay every dead letter?')) return
    action.run(
      () => change<{ changed: number }>('POST', 'dlq/replay', body).then((r) => action.setMessage(`${r.changed} replayed.`)),
      () => reload(),
    )
  }
  const forSelected = (verb: 'replay' | 'discard') =>
    action.run(async () => {
      for (const id of selected) await change('POST', `dlq/${id}/${verb}`)
    }, done(`${selected.size} ${verb === 'replay' ? 'replayed' : 'discarded'}.`))
  return (
    <Section
      title="Dead letters"
      actions={
        <>
          <button disabled={selected.size === 0 || action.busy} onClick={() => forSelected('replay')} class="primary">
            Replay selected ({selected.size})
          </button>
          <button disabled={selected.size === 0 || action.busy} onClick={() => forSelected('discard')}>
            Discard selected
          </button>
          <button disabled={action.busy || !data?.data.length} onClick={replayAll}>
            Replay all {hasFilter ? 'matching' : ''}
          </button>
        </>
      }
    >
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault()
          navigate('/dlq', form)
        }}
      >
        <input placeholder="event type" value={form.type} onInput={(e) => setForm({ ...form, type: (e.target as HTMLInputElement).value })} aria-label="event type" />
        <input placeholder="endpoint id" value={form.endpointId} onInput={(e) => setForm({ ...form, endpointId: (e.target as HTMLInputElement).value })} aria-label="endpoint" />
        {!isPortal && <input placeholder="tenant" value={form.tenant} onInput={(e) => setForm({ ...form, tenant: (e.target as HTMLInputElement).value })} aria-label="tenant" />}
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={error ?? action.error} />
      {action.message && (
        <div class="notice" role="status">
          {action.message}
        </div>
      )}
      {loading && !data ? (
        <Loading />
      ) : (
        <DeliveryTable
          rows={data?.data ?? []}
          selected={selected}
          onToggle={toggle}
          actions={(row) => (
            <button
              class="small primary"
              disabled={action.busy}
              data-testid={`replay-${row.delivery.id}`}
              onClick={() => action.run(() => change('POST', `dlq/${row.delivery.id}/replay`), done('Replayed.'))}
            >
              Replay
            </button>
          )}
        />
      )}
    </Section>
  )
}
