import { change, getJson } from '../api.js'
import { CodeBadge, ErrorBox, KeyValues, Loading, Pre, Section, StatusBadge, useAction, useLoad } from '../components.js'
import { ms, prettyJson, time } from '../format.js'
import { href } from '../router.js'
import type { Attempt, Delivery } from '../types.js'

interface MessageDetail {
  message: { id: string; type: string; tenant: string | null; channels: string[]; idempotencyKey: string | null; createdAt: string; payload: string }
  deliveries: { delivery: Delivery; endpoint: { id: string; url: string } | null; attempts: Attempt[] }[]
}

export function MessageDetailView({ id }: { id: string }) {
  const { data, error, reload } = useLoad(() => getJson<MessageDetail>(`messages/${encodeURIComponent(id)}`), [id])
  const action = useAction()
  if (error) return <ErrorBox error={error} />
  if (!data) return <Loading />
  const { message } = data
  return (
    <div>
      <Section title={`Message ${message.id}`}>
        <KeyValues
          rows={[
            ['Event type', <span class="mono">{message.type}</span>],
            ['Tenant', message.tenant ?? '—'],
            ['Channels', message.channels.join(', ') || '—'],
            ['Idempotency key', message.idempotencyKey ?? '—'],
            ['Created', time(message.createdAt)],
          ]}
        />
        <h3>Payload (exact bytes sent)</h3>
        <Pre text={prettyJson(message.payload)} testid="payload" />
      </Section>
      <ErrorBox error={action.error} />
      {action.message && (
        <div class="notice" role="status" data-testid="action-message">
          {action.message}
        </div>
      )}
      {data.deliveries.map(({ delivery, endpoint, attempts }) => (
        <Section
          title={`Delivery to ${endpoint?.url ?? delivery.endpointId}`}
          actions={
            <>
              <StatusBadge status={delivery.status} />
              {delivery.status === 'dead' && (
                <button class="primary" disabled={action.busy} data-testid={`replay-${delivery.id}`} onClick={() => action.run(() => change('POST', `dlq/${delivery.id}/replay`), reload)}>
                  Replay
                </button>
              )}
              {delivery.status === 'dead' && (
                <button disabled={action.busy} onClick={() => action.run(() => change('POST', `dlq/${delivery.id}/discard`), reload)}>
                  Discard
                </button>
              )}
              {(delivery.status === 'succeeded' || delivery.status === 'discarded') && (
                <button
                  disabled={action.busy}
                  data-testid={`resend-${delivery.id}`}
                  title="Send this message to this endpoint again: a new delivery, same webhook-id and body"
                  onClick={() =>
                    action.run(async () => {
                      await change('POST', `messages/${encodeURIComponent(message.id)}/resend`, { endpointIds: [delivery.endpointId] })
                      action.setMessage(`Resent to ${endpoint?.url ?? delivery.endpointId}.`)
                    }, reload)
                  }
                >
                  Resend
                </button>
              )}
            </>
          }
        >
          <KeyValues
            rows={[
              ['Delivery', <span class="mono">{delivery.id}</span>],
              ['Endpoint', <a href={href(`/endpoints/${delivery.endpointId}`)}>{delivery.endpointId}</a>],
              ['Attempts', String(delivery.attempts)],
              ['Next attempt', time(delivery.nextAttemptAt)],
              ['Dead reason', delivery.deadReason ?? '—'],
            ]}
          />
          <ol class="timeline" data-testid="attempts">
            {attempts.length === 0 && <li class="muted">No attempt yet.</li>}
            {attempts.map((attempt) => (
              <li class={`attempt outcome-${attempt.outcome}`}>
                <div class="attempt-head">
                  <strong>#{attempt.number}</strong> <CodeBadge code={attempt.statusCode} /> <span>{attempt.outcome}</span>
                  <span class="muted">
                    {time(attempt.startedAt)} · {ms(attempt.durationMs)} · {attempt.trigger}
                  </span>
                </div>
                {attempt.error && <div class="attempt-error">{attempt.error}</div>}
                {attempt.requestHeaders && (
                  <details data-testid="request-headers">
                    <summary>Request headers</summary>
                    <HeaderTable headers={attempt.requestHeaders} />
                  </details>
                )}
                {attempt.responseBody && (
                  <details>
                    <summary>Response body</summary>
                    <Pre text={attempt.responseBody} />
                  </details>
                )}
              </li>
            ))}
          </ol>
        </Section>
      ))}
    </div>
  )
}

/** Headers as text, one row each (values come from endpoint configuration: never markup). */
function HeaderTable({ headers }: { headers: Record<string, string> }) {
  return (
    <table class="headers">
      <tbody>
        {Object.entries(headers).map(([name, value]) => (
          <tr>
            <th class="mono">{name}</th>
            <td class="mono">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
