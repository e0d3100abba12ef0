import { OPERATIONAL_TENANT } from '../../../core/operational.js'
import type { Db } from '../kysely-storage-helpers.js'
import { toMillis } from '../../schema/row-mappers.js'

/** An endpoint in a failing episode, or whose notified episode may have ended. */
export interface FailingEndpoint {
  id: string
  tenant: string | null
  failingSince: Date | null
  disabled: boolean
  /** The episode last notified (its `failingSince`), and the highest share announced for it. */
  notifiedSince: Date | null
  notifiedPercent: number | null
}

/**
 * What the health sweep needs to announce failing shares once per episode across processes
 * (migration 010). Not on any hot path: the sweep runs every `endpointHealth.checkInterval`.
 */
export interface EndpointNoticeStore {
  /** Endpoints failing now, or with a notified episode (to find those that recovered); never the operational one. */
  listFailing(): Promise<FailingEndpoint[]>
  /**
   * Records that `percent` was announced for the episode that began at `since`; false when the
   * episode ended meanwhile or another process announced this share (or a higher one) first.
   */
  recordFailing(id: string, since: Date, percent: number): Promise<boolean>
  /** Forgets the notified episode `since`; false when another process did it first. */
  recordRecovered(id: string, since: Date): Promise<boolean>
}

export function endpointNoticeStore(db: Db): EndpointNoticeStore {
  return {
    async listFailing() {
      const rows = await db
        .selectFrom('endpoints')
        .select(['id', 'tenant', 'failing_since', 'disabled_at', 'failing_notified_since', 'failing_notified_percent'])
        .where('deleted_at', 'is', null)
        .where((eb) => eb.or([eb('failing_since', 'is not', null), eb('failing_notified_since', 'is not', null)]))
        .where((eb) => eb.or([eb('tenant', 'is', null), eb('tenant', '!=', OPERATIONAL_TENANT)]))
        .orderBy('id')
        .execute()
      const date = (v: number | string | null) => (v === null ? null : new Date(Number(v)))
      return rows.map((row) => ({
        id: row.id,
        tenant: row.tenant,
        failingSince: date(row.failing_since),
        disabled: row.disabled_at !== null,
        notifiedSince: date(row.failing_notified_since),
        notifiedPercent: row.failing_notified_percent === null ? null : Number(row.failing_notified_percent),
      }))
    },
    async recordFailing(id, since, percent) {
      const at = toMillis(since)
      const result = await db
        .updateTable('endpoints')
        .set({ failing_notified_since: at, failing_notified_percent: percent })
        .where('id', '=', id)
        .where('failing_since', '=', at)
        .where((eb) =>
          eb.or([
            eb('failing_notified_since', 'is', null),
            eb('failing_notified_since', '!=', at),
            eb('failing_notified_percent', '<', percent),
          ]),
        )
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async recordRecovered(id, since) {
      const result = await db
        .updateTable('endpoints')
        .set({ failing_notified_since: null, failing_notified_percent: null })
        .where('id', '=', id)
        .where('failing_notified_since', '=', toMillis(since))
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
  }
}
