import type { Kysely } from 'kysely'
import type { Migration } from './migration.js'

/**
 * A caller-chosen `uid` per endpoint, unique per tenant, so registering an endpoint is idempotent.
 * Uniqueness lives in `uid_scope`, a hash of (tenant, uid) that is never NULL for an endpoint with
 * a uid: a unique index on (tenant, uid) would let endpoints without a tenant repeat a uid on
 * Postgres and SQLite, where NULLs are distinct. A fixed-length hash also keeps the key short
 * enough for MySQL, which cannot index `text` and limits key length. Deleting an endpoint clears
 * its `uid_scope`, so the uid can be used again.
 */
export const endpointUid: Migration = {
  name: '007-endpoint-uid',
  async up(db: Kysely<any>, { prefix }): Promise<void> {
    await db.schema.alterTable('endpoints').addColumn('uid', 'varchar(191)').execute()
    await db.schema.alterTable('endpoints').addColumn('uid_scope', 'varchar(64)').execute()
    await db.schema.createIndex(`${prefix}endpoints_uid_scope_key`).on('endpoints').column('uid_scope').unique().execute()
  },
}
