import type { InboundMessageRecord, Relay } from '../../../src/index.js'

/** Every inbound message the relay stored, page by page. */
export async function readAllInbound(relay: Relay): Promise<InboundMessageRecord[]> {
  const rows: InboundMessageRecord[] = []
  let cursor: string | null = null
  do {
    const page = await relay.inbound.list({ limit: 1000, cursor })
    rows.push(...page.data)
    cursor = page.nextCursor
  } while (cursor !== null)
  return rows
}
