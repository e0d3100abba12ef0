import { getJson } from '../api.js'
import { Empty, ErrorBox, Loading, Section, StatusBadge, useLoad } from '../components.js'
import { ago, duration, percent } from '../format.js'
import { href } from '../router.js'
import type { Endpoint, EndpointStats, Page } from '../types.js'

export function EndpointsView() {
  const { data, error, loading } = useLoad(() => getJson<Page<{ endpoint: Endpoint; stats: EndpointStats }>>('endpoints', { limit: 100 }), [])
  return (
    <Section title="Endpoints">
      <ErrorBox error={error} />
      {loading && !data ? (
        <Loading />
      ) : !data?.data.length ? (
        <Empty>No endpoints yet: create one with relay.endpoints.create().</Empty>
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
