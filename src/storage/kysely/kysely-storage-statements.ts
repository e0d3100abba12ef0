import type { StorageDialect } from '../dialect/dialect.js'
import type { HookrelayDatabase } from '../schema/database.js'
import { SettleStatements } from './delivery-queue/settle-statements.js'
import { InboundStatements } from './inbound/inbound-statements.js'
import type { MessageStore, SendTables } from '../sql/message-store.js'
import { buildClaimSql, type ClaimSql } from './delivery-queue/delivery-claims.js'

/** The statements `KyselyStorage` runs as raw SQL, built once on the real (quoted) table names. */
export interface KyselyStorageStatements {
  readonly settleStatements: SettleStatements
  readonly messageStore: MessageStore
  readonly inboundStatements: InboundStatements
  readonly inboundTable: string
  /** The claim statements' text, built once (see `sql/claim-deliveries.ts`). */
  readonly claimSql: ClaimSql
}

export function buildStatements(
  dialect: StorageDialect,
  quoted: (table: keyof HookrelayDatabase) => string,
  messageStore: (tables: SendTables) => MessageStore,
): KyselyStorageStatements {
  const settleStatements = new SettleStatements(
    { attempts: quoted('attempts'), deliveries: quoted('deliveries'), inboundMessages: quoted('inbound_messages') },
    dialect,
  )
  const store = messageStore({
    endpoints: quoted('endpoints'),
    messages: quoted('messages'),
    deliveries: quoted('deliveries'),
  })
  const inboundStatements = new InboundStatements(quoted('inbound_messages'), dialect)
  const inboundTable = quoted('inbound_messages')
  const claimTables = { deliveries: quoted('deliveries'), messages: quoted('messages'), endpoints: quoted('endpoints') }
  const claimSql = buildClaimSql(dialect, claimTables)
  return { settleStatements, messageStore: store, inboundStatements, inboundTable, claimSql }
}
