import { getJson } from '../api.js'
import { Empty, ErrorBox, Loading, Pre, Section, useLoad } from '../components.js'
import type { Page } from '../types.js'

/** One event type of the catalog, as `GET /catalog` answers it. */
interface CatalogEntry {
  type: string
  description: string
  examples: unknown[]
  schema?: Record<string, unknown>
}

/** The event catalog (`defineEvents`): each type with its description, JSON Schema and examples. */
export function CatalogView() {
  const { data, error, loading } = useLoad(() => getJson<Page<CatalogEntry>>('catalog'), [])
  return (
    <Section title="Event catalog">
      <ErrorBox error={error} />
      {loading && !data && <Loading />}
      {data && data.data.length === 0 && (
        <Empty>No event catalog: the app sends any type. Define one with createRelay({'{'} events: defineEvents({'{'} … {'}'}) {'}'}).</Empty>
      )}
      {data?.data.map((entry) => (
        <article class="catalog-entry" data-testid="catalog-entry" key={entry.type}>
          <h3 class="mono">{entry.type}</h3>
          {entry.description && <p>{entry.description}</p>}
          <details open={data.data.length <= 3}>
            <summary>Schema of data</summary>
            {entry.schema ? <Pre text={JSON.stringify(entry.schema, null, 2)} testid="catalog-schema" /> : <p class="muted">The schema library gives no JSON Schema.</p>}
          </details>
          <details open={data.data.length <= 3}>
            <summary>Examples ({entry.examples.length})</summary>
            {entry.examples.length === 0 ? (
              <p class="muted">No examples.</p>
            ) : (
              entry.examples.map((example) => <Pre text={JSON.stringify(example, null, 2)} testid="catalog-example" />)
            )}
          </details>
        </article>
      ))}
    </Section>
  )
}
