import { CompiledQuery, type Kysely } from 'kysely'
import { HookrelayError } from '../../../core/errors.js'
import type { InboundMessageRecord } from '../../../core/types.js'
import { runTransaction } from '../run-transaction.js'
import type { StorageDialect } from '../../dialect/dialect.js'
import { inboundMessageFromRow, type InboundMessageRow } from '../../schema/row-mappers.js'
import type { ClaimOptions, InboundInsertResult } from '../../storage.js'
import type { InboundStatements } from './inbound-statements.js'
import { claimInboundParameters, claimInboundSql, claimInboundSteps } from '../../sql/claim-inbound.js'
import type { ClaimSteps } from '../../sql/claim-steps.js'
import { claimInSteps } from '../claim-in-steps.js'
import {
  byId,
  checkClaimOptions,
  chunks,
  IDS_PER_STATEMENT,
  inboundKey,
  ROWS_PER_STATEMENT,
  unique,
  type Db,
} from '../kysely-storage-helpers.js'

export async function insertInboundMessages(
  db: Db,
  inboundStatements: InboundStatements,
  messages: readonly InboundMessageRecord[],
): Promise<InboundInsertResult[]> {
  if (messages.length === 0) return []
  // The first message of each (source, webhookId) is written; later ones in the batch are its duplicates.
  const keys = messages.map(inboundKey)
  const firstOf = new Map<string, number>()
  const writes: InboundMessageRecord[] = []
  messages.forEach((message, i) => {
    const key = keys[i]!
    if (firstOf.has(key)) return
    firstOf.set(key, i)
    writes.push(message)
  })
  const inserted = new Set<string>()
  const write = async (db: Kysely<any>) => {
    for (const chunk of chunks(writes, ROWS_PER_STATEMENT)) {
      for (const id of await inboundStatements.insert(db, chunk)) inserted.add(id)
    }
  }
  // One statement is its own transaction; a larger batch commits its statements together.
  if (writes.length <= ROWS_PER_STATEMENT) await write(db)
  else await runTransaction(db, write)

  const conflicts = writes.filter((m) => !inserted.has(m.id))
  const stored = new Map<string, InboundMessageRecord>()
  for (const chunk of chunks(conflicts, IDS_PER_STATEMENT / 2)) {
    for (const row of await inboundStatements.selectByKeys(db, chunk)) {
      const record = inboundMessageFromRow(row)
      stored.set(inboundKey(record), record)
    }
  }
  return messages.map((message, i): InboundInsertResult => {
    const key = keys[i]!
    const first = messages[firstOf.get(key)!]!
    if (inserted.has(first.id)) return i === firstOf.get(key) ? { inserted: true } : { inserted: false, existing: first }
    const existing = stored.get(key)
    if (!existing) {
      // Postgres: the conflicting row was committed but deleted since (retention), or is not visible.
      throw new HookrelayError(
        'STORAGE_CONFLICT',
        `Inbound webhook ${JSON.stringify(message.webhookId)} of ${JSON.stringify(message.source)} conflicted with a row that is not visible; retry.`,
      )
    }
    return { inserted: false, existing }
  })
}

/** The inbound claim; `claimSql` caches the statement's text by shape (sources, ids). */
export async function claimInboundMessages(
  db: Db,
  dialect: StorageDialect,
  inboundTable: string,
  claimSql: Map<string, string | ClaimSteps>,
  options: ClaimOptions & { sources?: readonly string[]; ids?: readonly string[] },
): Promise<InboundMessageRecord[]> {
  checkClaimOptions(options)
  if ((options.sources && options.sources.length === 0) || (options.ids && options.ids.length === 0)) return []
  const ids = options.ids ? unique(options.ids).slice(0, IDS_PER_STATEMENT) : undefined
  const sources = options.sources ? unique(options.sources) : undefined
  const shape = { bySources: sources !== undefined, byIds: ids !== undefined }
  const key = `${shape.bySources ? 's' : ''}${shape.byIds ? 'i' : ''}`
  let text = claimSql.get(key)
  if (text === undefined) {
    text = dialect.capabilities.returning ? claimInboundSql(dialect, inboundTable, shape) : claimInboundSteps(dialect, inboundTable, shape)
    claimSql.set(key, text)
  }
  const params = claimInboundParameters(dialect, options, sources, ids)
  const rows =
    typeof text === 'string'
      ? (await db.executeQuery<InboundMessageRow>(CompiledQuery.raw(text, params))).rows
      : await claimInSteps<InboundMessageRow>(db, dialect, text, params)
  return rows.map(inboundMessageFromRow).sort(byId)
}
