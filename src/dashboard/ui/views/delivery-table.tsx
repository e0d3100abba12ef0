import type { ComponentChildren } from 'preact'
import { CodeBadge, Empty, StatusBadge } from '../components.js'
import { ago } from '../format.js'
import { href } from '../router.js'
import type { SearchRow } from '../types.js'

/** Deliveries with their message and endpoint; optionally selectable (dead letters). */
export function DeliveryTable({
  rows,
  selected,
  onToggle,
  actions,
}: {
  rows: SearchRow[]
  selected?: Set<string>
  onToggle?: (id: string) => void
  actions?: (row: SearchRow) => ComponentChildren
}) {
  if (rows.length === 0) return <Empty>Nothing matches.</Empty>
  return (
    <table class="table" data-testid="delivery-table">
      <thead>
        <tr>
          {selected && <th />}
          <th>Message</th>
          <th>Event type</th>
          <th>Endpoint</th>
          <th>Status</th>
          <th>Last response</th>
          <th>Attempts</th>
          <th>Created</th>
          {actions && <th />}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr data-delivery-id={row.delivery.id} data-message-id={row.delivery.messageId}>
            {selected && (
              <td>
                <input type="checkbox" aria-label={`select ${row.delivery.id}`} checked={selected.has(row.delivery.id)} onChange={() => onToggle?.(row.delivery.id)} />
              </td>
            )}
            <td>
              <a class="mono" href={href(`/messages/${row.delivery.messageId}`)}>
                {row.delivery.messageId}
              </a>
              {row.message?.tenant ? <div class="muted small">tenant {row.message.tenant}</div> : null}
            </td>
            <td class="mono">{row.message?.type ?? '—'}</td>
            <td class="ellipsis">
              <a href={href(`/endpoints/${row.delivery.endpointId}`)}>{row.endpoint?.url ?? row.delivery.endpointId}</a>
            </td>
            <td>
              <StatusBadge status={row.delivery.status} />
              {row.delivery.deadReason ? <div class="muted small">{row.delivery.deadReason}</div> : null}
            </td>
            <td>
              <CodeBadge code={row.delivery.lastStatusCode} />
              {row.delivery.lastError ? <div class="muted small ellipsis">{row.delivery.lastError}</div> : null}
            </td>
            <td>{row.delivery.attempts}</td>
            <td title={row.delivery.createdAt}>{ago(row.delivery.createdAt)}</td>
            {actions && <td class="row-actions">{actions(row)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  )
}
